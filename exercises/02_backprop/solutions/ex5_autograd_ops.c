// exercises/02_backprop/solutions/ex5_autograd_ops.c: reference solution of 02.5.
#include <math.h>

#include "chapters/02_backprop/autograd.h"

// d(ab)/da = b, d(ab)/db = a. For a*a both edges lead to the same node, and
// ag_backward's += gives it b + a = 2a.
Value *ex_ag_mul(ValueArena *g, Value *a, Value *b) {
    return ag_node(g, AG_MUL, a->data * b->data, a, b->data, b, a->data);
}

// d(tanh a)/da = 1 - tanh(a)^2 = 1 - out^2
Value *ex_ag_tanh(ValueArena *g, Value *a) {
    double out = tanh(a->data);
    return ag_node(g, AG_TANH, out, a, 1.0 - out * out, NULL, 0.0);
}
