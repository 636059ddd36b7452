// costmodel.h: how long the collective exchanges of distributed training take, in the
// latency + bytes / bandwidth model (Hockney). README section 09.7.
//
// P devices in nodes of G; a message inside a node costs a_intra + m / b_intra, between
// nodes a_inter + m / b_inter (seconds, bytes, bytes per second). A device sends its
// messages one after the other (one link, one NIC).
//
//   all-to-all, flat: each device sends S bytes in all, S / P to every device (itself
//   included, for free): G-1 messages inside its node, P-G outside
//     t = (G-1) (a_intra + S/(P b_intra)) + (P-G) (a_inter + S/(P b_inter))
//   all-to-all, hierarchical (two phases, as DeepSpeed-MoE and Tutel do): first inside
//   the node, so that each device gathers what its node sends to one group of nodes;
//   then between the n = P/G nodes (whole nodes: P a multiple of G), G times fewer and
//   G times larger messages
//     t = (G-1) (a_intra + S/(G b_intra)) + (n-1) (a_inter + S/(n b_inter))
//   all-reduce, ring (data parallelism's gradient sum over W bytes): 2 (P-1) steps of
//   W / P bytes, each over the slowest link of the ring (between nodes once P > G)
//     t = 2 (P-1) (a + W/(P b))
#ifndef CH09_COSTMODEL_H
#define CH09_COSTMODEL_H

typedef struct {
    int gpus_per_node;                 // G
    double a_intra, b_intra;           // seconds, bytes/s
    double a_inter, b_inter;
} Network;

double alltoall_flat_seconds(const Network *net, int P, double bytes_per_device);
double alltoall_hier_seconds(const Network *net, int P, double bytes_per_device);
double allreduce_ring_seconds(const Network *net, int P, double bytes);

#endif
