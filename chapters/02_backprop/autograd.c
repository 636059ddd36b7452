// autograd.c: the scalar autograd engine of autograd.h. Each operation below
// computes its output and, on the same line or the next, its local derivatives
// (the table in README eq. (2.2)). ag_backward is then the chain rule and nothing else.
#include "chapters/02_backprop/autograd.h"

#include <math.h>
#include <stdlib.h>

#include "common/err.h"
#include "common/mem.h"

void ag_arena_init(ValueArena *g, int capacity) {
    if (capacity <= 0) DIE("ag_arena_init: capacity %d must be positive", capacity);
    g->nodes = xcalloc((size_t)capacity, sizeof(Value));
    g->count = 0;
    g->capacity = capacity;
}

void ag_arena_reset(ValueArena *g) { g->count = 0; }

void ag_arena_free(ValueArena *g) {
    free(g->nodes);
    g->nodes = NULL;
    g->count = g->capacity = 0;
}

Value *ag_node(ValueArena *g, AgOp op, double data, Value *a, double da, Value *b, double db) {
    if (g->count == g->capacity)
        DIE("ValueArena full: all %d nodes used; pass a larger capacity to ag_arena_init", g->capacity);
    Value *v = &g->nodes[g->count++];
    *v = (Value){.data = data, .op = op};
    if (a) {
        v->child[v->n_children] = a;
        v->local_grad[v->n_children++] = da;
    }
    if (b) {
        v->child[v->n_children] = b;
        v->local_grad[v->n_children++] = db;
    }
    return v;
}

Value *ag_new(ValueArena *g, double data) { return ag_node(g, AG_LEAF, data, NULL, 0, NULL, 0); }

// ---- the operations: forward value, then d(out)/d(input) ---------------------------------

// d(a+b)/da = 1, d(a+b)/db = 1: addition routes the gradient unchanged to both inputs.
Value *ag_add(ValueArena *g, Value *a, Value *b) {
    return ag_node(g, AG_ADD, a->data + b->data, a, 1.0, b, 1.0);
}

// d(ab)/da = b, d(ab)/db = a: multiplication swaps its inputs. For a*a both
// children are the same node and it receives a + a = 2a, as it should.
Value *ag_mul(ValueArena *g, Value *a, Value *b) {
    return ag_node(g, AG_MUL, a->data * b->data, a, b->data, b, a->data);
}

// d(a^k)/da = k a^(k-1)
Value *ag_pow(ValueArena *g, Value *a, double k) {
    return ag_node(g, AG_POW, pow(a->data, k), a, k * pow(a->data, k - 1.0), NULL, 0);
}

Value *ag_neg(ValueArena *g, Value *a) { return ag_mul(g, a, ag_new(g, -1.0)); }
Value *ag_sub(ValueArena *g, Value *a, Value *b) { return ag_add(g, a, ag_neg(g, b)); }
Value *ag_div(ValueArena *g, Value *a, Value *b) { return ag_mul(g, a, ag_pow(g, b, -1.0)); }

// d(e^a)/da = e^a: the output is its own derivative.
Value *ag_exp(ValueArena *g, Value *a) {
    double out = exp(a->data);
    return ag_node(g, AG_EXP, out, a, out, NULL, 0);
}

// d(log a)/da = 1/a
Value *ag_log(ValueArena *g, Value *a) {
    if (!(a->data > 0.0)) DIE("ag_log: log of %g, which is not positive", a->data);
    return ag_node(g, AG_LOG, log(a->data), a, 1.0 / a->data, NULL, 0);
}

// d(tanh a)/da = 1 - tanh(a)^2, written with the output (README eq. (2.9)).
Value *ag_tanh(ValueArena *g, Value *a) {
    double out = tanh(a->data);
    return ag_node(g, AG_TANH, out, a, 1.0 - out * out, NULL, 0);
}

// d(max(0,a))/da = [a > 0]; at a = 0 we pick 0.
Value *ag_relu(ValueArena *g, Value *a) {
    return ag_node(g, AG_RELU, a->data > 0.0 ? a->data : 0.0, a, a->data > 0.0 ? 1.0 : 0.0, NULL, 0);
}

// ---- the backward pass ---------------------------------------------------------------

// Depth-first search that links every node reachable from root into the list at *head
// BEFORE all of its children: a node is prepended only after its children are in the
// list (post-order), so walking from the head, every node comes before every node it
// depends on -- a reverse topological order.
//
// The search keeps its own stack instead of recursing: a recursive version uses one C
// stack frame per node on the current path, and a chain of a million nodes (an RNN
// unrolled over a long sequence, a loop of additions) would overflow the C stack.
// `visited` holds each node's progress: 0 = not seen yet, 1 + k = seen, its first k
// children already handled. So a node shared by two paths is listed once.
static Value *build_order(Value *root) {
    Value *head = NULL;
    size_t cap = 64, top = 0;
    Value **stack = xmalloc(cap * sizeof(Value *));
    stack[top++] = root;
    root->visited = 1;
    while (top > 0) {
        Value *v = stack[top - 1];
        int k = v->visited - 1;   // the next child to look at
        if (k < v->n_children) {
            v->visited++;
            Value *c = v->child[k];
            if (c->visited) continue;   // seen before: a shared child is listed once
            if (top == cap) stack = xrealloc(stack, (cap *= 2) * sizeof(Value *));
            c->visited = 1;
            stack[top++] = c;
        } else {   // every child is in the list: now v
            top--;
            v->topo_next = head;
            head = v;
        }
    }
    free(stack);
    return head;
}

void ag_backward(Value *root) {
    Value *head = build_order(root);
    // Interior nodes are recomputed from scratch on every call; leaves (inputs and
    // parameters) keep what they had and add to it, as PyTorch does. So two calls
    // give leaves twice the gradient -- accumulation over mini-batches -- instead
    // of re-sending stale interior grads down the graph a second time.
    for (Value *v = head; v; v = v->topo_next)
        if (v->n_children) v->grad = 0.0;
    root->grad += 1.0;   // dL/dL
    // By the time we reach v, every node that uses v has been processed, so v->grad
    // is complete. Pass it on: chain rule, README eq. (2.1). The += is the point:
    // a child used by several nodes (or twice by one) sums the contributions,
    // README eq. (2.3). Writing = here is the classic bug: x in x*x + x*y would
    // keep only the last contribution.
    for (Value *v = head; v; v = v->topo_next)
        for (int k = 0; k < v->n_children; k++) v->child[k]->grad += v->local_grad[k] * v->grad;
    // Leave no marks behind, so the next call sees a clean graph.
    for (Value *v = head, *next; v; v = next) {
        next = v->topo_next;
        v->visited = 0;
        v->topo_next = NULL;
    }
}

void ag_zero_grad(ValueArena *g) {
    for (int i = 0; i < g->count; i++) g->nodes[i].grad = 0.0;
}

void ag_print_graph(FILE *out, const ValueArena *g) {
    static const char *const names[] = {"leaf", "add", "mul", "pow", "exp", "log", "tanh", "relu"};
    for (int i = 0; i < g->count; i++) {
        const Value *v = &g->nodes[i];
        fprintf(out, "v%d = %s", i, names[v->op]);
        if (v->n_children) {
            fprintf(out, "(");
            for (int k = 0; k < v->n_children; k++)
                fprintf(out, "%sv%d", k ? ", " : "", (int)(v->child[k] - g->nodes));
            fprintf(out, ")");
        }
        if (v->label) fprintf(out, " [%s]", v->label);
        fprintf(out, "   data %.6g   grad %.6g\n", v->data, v->grad);
    }
}
