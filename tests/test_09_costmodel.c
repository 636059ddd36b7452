// tests/test_09_costmodel.c: chapter 09's communication cost model on numbers small
// enough to work by hand (units: seconds and bytes, a made-up network).
#include <criterion/criterion.h>

#include "chapters/09_moe/costmodel.h"

static const Network NET = {.gpus_per_node = 4, .a_intra = 1, .b_intra = 10, .a_inter = 5, .b_inter = 1};

Test(ch09_costmodel, one_node) {
    // P = 4 = G: 3 messages of 40/4 = 10 bytes inside the node, 1 + 10/10 each
    cr_assert_float_eq(alltoall_flat_seconds(&NET, 4, 40), 6.0, 1e-12);
    cr_assert_float_eq(alltoall_hier_seconds(&NET, 4, 40), 6.0, 1e-12);   // one node: nothing to save
    // ring: 2 x 3 steps of 40/4 bytes: 6 (1 + 1)
    cr_assert_float_eq(allreduce_ring_seconds(&NET, 4, 40), 12.0, 1e-12);
}

Test(ch09_costmodel, two_nodes) {
    // flat, P = 8, S = 80: 3 (1 + 10/10) inside + 4 (5 + 10/1) outside = 6 + 60
    cr_assert_float_eq(alltoall_flat_seconds(&NET, 8, 80), 66.0, 1e-12);
    // hierarchical: 3 (1 + 80/4/10) inside, then 1 message of 80/2 between the nodes: 9 + 45
    cr_assert_float_eq(alltoall_hier_seconds(&NET, 8, 80), 54.0, 1e-12);
    // ring over the network: 2 x 7 (5 + 80/8/1)
    cr_assert_float_eq(allreduce_ring_seconds(&NET, 8, 80), 210.0, 1e-12);
}

// Many small messages: hierarchical sends G times fewer across the network, and wins
// by the latencies it saves.
Test(ch09_costmodel, hierarchical_wins_when_latency_dominates) {
    Network net = {.gpus_per_node = 8, .a_intra = 3e-6, .b_intra = 300e9, .a_inter = 10e-6, .b_inter = 25e9};
    double flat = alltoall_flat_seconds(&net, 64, 1e5), hier = alltoall_hier_seconds(&net, 64, 1e5);
    cr_assert_lt(hier, 0.5 * flat, "flat %g s, hierarchical %g s", flat, hier);
}
