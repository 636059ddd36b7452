// json.h: reading one value out of a small JSON object, such as a Hugging Face
// config.json or a safetensors "__metadata__" object, without building a tree.
//
// Only keys of the outermost object are seen (depth 1): "hidden_size" inside a nested
// object such as "id2label" is not a match. Strings may hold the escapes \" \\ \/ \n
// \t and \uXXXX below U+0080; anything else is reported as not found.
#ifndef COMMON_JSON_H
#define COMMON_JSON_H

#include <stddef.h>

// 0 and the string (NUL-terminated, unescaped) in out, or -1: no such key, not a
// string, or longer than out_len - 1.
int json_get_string(const char *json, const char *key, char *out, size_t out_len);
// 0 and the number in *out, or -1: no such key or not a number.
int json_get_number(const char *json, const char *key, double *out);
// 0 and *out = 1 for true, 0 for false; or -1: no such key or not a boolean.
int json_get_bool(const char *json, const char *key, int *out);

#endif
