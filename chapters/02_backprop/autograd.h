// autograd.h: a tiny scalar automatic differentiation engine (in the spirit of
// Karpathy's micrograd), written to teach the chain rule. The rest of the book
// uses explicit tensor-level forward/backward pairs (layers.h); this file shows
// what such pairs automate.
//
//   ValueArena g;
//   ag_arena_init(&g, 64);
//   Value *x = ag_new(&g, 2.0), *y = ag_new(&g, 3.0);
//   Value *f = ag_add(&g, ag_mul(&g, x, x), ag_mul(&g, x, y));   // f = x^2 + x y
//   ag_backward(f);            // x->grad = 2x + y = 7, y->grad = x = 2
//   ag_arena_free(&g);
//
// Every operation computes its value AND its local derivatives d(out)/d(input)
// in the forward pass and stores them in the node; ag_backward then only has to
// multiply and add (the chain rule, README eq. (2.1)). Gradients ACCUMULATE (+=),
// so a node used twice (x in x*x + x*y) receives the sum of both contributions
// (README eq. (2.3)). Values are double: this engine is for understanding and for
// checking, not for speed.
#ifndef CH02_AUTOGRAD_H
#define CH02_AUTOGRAD_H

#include <stdio.h>

typedef enum { AG_LEAF, AG_ADD, AG_MUL, AG_POW, AG_EXP, AG_LOG, AG_TANH, AG_RELU } AgOp;

typedef struct Value {
    double data;                // the forward value
    double grad;                // dL/d(data), filled in by ag_backward
    AgOp op;                    // which operation made this node (AG_LEAF for inputs)
    int n_children;             // 0, 1 or 2
    struct Value *child[2];     // the inputs of the operation
    double local_grad[2];       // d(data)/d(child[k]->data), set by the forward pass
    const char *label;          // optional name for ag_print_graph ("x", "loss")
    int visited;                // ag_backward's DFS progress (0 between calls)
    struct Value *topo_next;    // ag_backward's order list (NULL between calls)
} Value;

// All nodes of a graph live in one block the caller owns. The block never moves
// (nodes point at each other), so its capacity is fixed; running out stops with
// a message saying so.
typedef struct {
    Value *nodes;
    int count, capacity;
} ValueArena;

void ag_arena_init(ValueArena *g, int capacity);
void ag_arena_reset(ValueArena *g);   // forget every node, keep the memory (one graph per step)
void ag_arena_free(ValueArena *g);

// A leaf: an input or parameter, no children.
Value *ag_new(ValueArena *g, double data);

// The one constructor behind every operation (and yours, if you add one): a node
// with value `data` and children a, b (NULL when absent) whose local derivatives
// d(data)/d(a) = da, d(data)/d(b) = db.
Value *ag_node(ValueArena *g, AgOp op, double data, Value *a, double da, Value *b, double db);

Value *ag_add(ValueArena *g, Value *a, Value *b);   // a + b
Value *ag_mul(ValueArena *g, Value *a, Value *b);   // a * b
Value *ag_pow(ValueArena *g, Value *a, double k);   // a^k, k a constant
Value *ag_neg(ValueArena *g, Value *a);             // -a       = a * (-1)
Value *ag_sub(ValueArena *g, Value *a, Value *b);   // a - b    = a + (-b)
Value *ag_div(ValueArena *g, Value *a, Value *b);   // a / b    = a * b^-1
Value *ag_exp(ValueArena *g, Value *a);
Value *ag_log(ValueArena *g, Value *a);             // natural log; a must be > 0
Value *ag_tanh(ValueArena *g, Value *a);
Value *ag_relu(ValueArena *g, Value *a);

// Reverse-mode sweep from root: seeds dL/dL = 1 and adds every node's
// contribution into its children's grads, visiting nodes in reverse topological
// order (README section "Topological order"). Interior nodes' grads are reset at
// the start of each call; LEAF grads accumulate across calls (two calls give
// twice the gradient, as in PyTorch). ag_zero_grad resets everything.
void ag_backward(Value *root);
void ag_zero_grad(ValueArena *g);

// One line per node in creation order (which is a topological order):
//   v3 = mul(v0, v1)   data 6   grad 1
void ag_print_graph(FILE *out, const ValueArena *g);

#endif
