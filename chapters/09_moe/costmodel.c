// costmodel.c: the formulas of costmodel.h.
#include "chapters/09_moe/costmodel.h"

#include "common/err.h"

static int devices_per_node(const Network *net, int P) { return net->gpus_per_node < P ? net->gpus_per_node : P; }

double alltoall_flat_seconds(const Network *net, int P, double S) {
    const int G = devices_per_node(net, P);
    return (G - 1) * (net->a_intra + S / P / net->b_intra) + (P - G) * (net->a_inter + S / P / net->b_inter);
}

double alltoall_hier_seconds(const Network *net, int P, double S) {
    const int G = devices_per_node(net, P), n = P / G;
    if (n * G != P) DIE("alltoall_hier_seconds: %d devices are not whole nodes of %d", P, G);
    return (G - 1) * (net->a_intra + S / G / net->b_intra) + (n - 1) * (net->a_inter + S / n / net->b_inter);
}

double allreduce_ring_seconds(const Network *net, int P, double W) {
    const int G = devices_per_node(net, P);
    const double a = P > G ? net->a_inter : net->a_intra, b = P > G ? net->b_inter : net->b_intra;
    return 2.0 * (P - 1) * (a + W / P / b);
}
