// exercises/02_backprop/ex5_autograd_ops.c
// Exercise 02.5 (*): local derivatives in the scalar autograd.
// Read chapters/02_backprop/README.md, section "A scalar autograd", eqs. (2.1)-(2.3)
// and chapters/02_backprop/autograd.c first.
// `make exercise EX=02.5` builds graphs with your ops, runs ag_backward and compares
// the gradients with hand values and finite differences.
//
// An operation in autograd.c computes its output and its local derivatives
// d(out)/d(input) in the forward pass and stores them with ag_node; ag_backward
// then multiplies them along every path (chain rule) and adds up the paths.
#include <math.h>

#include "chapters/02_backprop/autograd.h"

// out = a * b
Value *ex_ag_mul(ValueArena *g, Value *a, Value *b) {
    // TODO(02.5): replace the two 0.0 by d(out)/da and d(out)/db (a table of them
    // is README eq. (2.2)). Think about what happens when a and b are the same node.
    return ag_node(g, AG_MUL, a->data * b->data, a, 0.0, b, 0.0);
}

// out = tanh(a)
Value *ex_ag_tanh(ValueArena *g, Value *a) {
    double out = tanh(a->data);
    // TODO(02.5): replace 0.0 by d(out)/da, written with `out` (README eq. (2.9)).
    return ag_node(g, AG_TANH, out, a, 0.0, NULL, 0.0);
}
