// tests/test_common_json.c: reading values out of a config.json-like object: top-level
// keys only, strings with escapes, numbers in every JSON form, and what is not found.
#include <criterion/criterion.h>

#include "common/json.h"

static const char *config =
    "{\n  \"architectures\": [\"BertForMaskedLM\"],\n  \"hidden_act\": \"gelu\",\n"
    "  \"id2label\": {\"0\": \"O\", \"hidden_size\": 3},\n  \"hidden_size\": 256,\n"
    "  \"layer_norm_eps\": 1e-12, \"note\": \"say \\\"hi\\\"\\u0021\", \"neg\": -0.5,\n"
    "  \"do_lower_case\": false, \"strip\": true }";

Test(common_json, strings_and_numbers) {
    char s[32];
    double d;
    cr_assert_eq(json_get_string(config, "hidden_act", s, sizeof s), 0);
    cr_assert_str_eq(s, "gelu");
    cr_assert_eq(json_get_number(config, "hidden_size", &d), 0);
    cr_assert_eq(d, 256);   // the top-level one, not id2label's 3
    cr_assert_eq(json_get_number(config, "layer_norm_eps", &d), 0);
    cr_assert_eq(d, 1e-12);
    cr_assert_eq(json_get_number(config, "neg", &d), 0);
    cr_assert_eq(d, -0.5);
    cr_assert_eq(json_get_string(config, "note", s, sizeof s), 0);
    cr_assert_str_eq(s, "say \"hi\"!");
    int b = -1;
    cr_assert_eq(json_get_bool(config, "do_lower_case", &b), 0);
    cr_assert_eq(b, 0);
    cr_assert_eq(json_get_bool(config, "strip", &b), 0);
    cr_assert_eq(b, 1);
    cr_assert_eq(json_get_bool(config, "hidden_size", &b), -1);   // a number
    cr_assert_eq(json_get_bool(config, "absent", &b), -1);
}

Test(common_json, missing_wrong_type_and_too_long) {
    char s[4];
    double d;
    cr_assert_eq(json_get_number(config, "vocab_size", &d), -1);
    cr_assert_eq(json_get_number(config, "hidden_act", &d), -1);      // a string
    cr_assert_eq(json_get_string(config, "hidden_size", s, sizeof s), -1);   // a number
    cr_assert_eq(json_get_string(config, "hidden_act", s, sizeof s), -1);    // "gelu" needs 5 bytes
    cr_assert_eq(json_get_string(config, "0", s, sizeof s), -1);       // nested: not seen
    cr_assert_eq(json_get_string(NULL, "x", s, sizeof s), -1);
    cr_assert_eq(json_get_string("{\"a\": \"unterminated", "a", s, sizeof s), -1);
}
