// Grades exercise 08.2 on the README's example and the corner cases.
#include <criterion/criterion.h>
#include <string.h>

void ex_iob1_to_iob2(char *prefix, const int *type, int n);

enum { PER, LOC, ORG };

Test(ex08_2, the_readme_example) {
    // Alex Smith visited New York Paris .   (IOB1: I-PER I-PER O I-LOC I-LOC B-LOC O)
    char prefix[] = "IIOIIBO";
    const int type[] = {PER, PER, 0, LOC, LOC, LOC, 0};
    ex_iob1_to_iob2(prefix, type, 7);
    cr_assert_str_eq(prefix, "BIOBIBO");
}

Test(ex08_2, a_type_change_starts_an_entity) {
    // I-ORG I-ORG I-LOC I-LOC: two entities side by side, of different types
    char prefix[] = "IIII";
    const int type[] = {ORG, ORG, LOC, LOC};
    ex_iob1_to_iob2(prefix, type, 4);
    cr_assert_str_eq(prefix, "BIBI");
}

Test(ex08_2, iob2_stays_iob2) {
    char prefix[] = "BIOBB";
    const int type[] = {PER, PER, 0, LOC, LOC};
    ex_iob1_to_iob2(prefix, type, 5);
    cr_assert_str_eq(prefix, "BIOBB");
}
