import type { Graph } from './ir.js';

/**
 * The torchvision module name of every value of a graph, the names PyTorch users see in
 * `model.named_modules()` and forward hooks. The IR already names convs, BNs, pools and `fc` like
 * their modules (and their weights like the state_dict); what differs is inside a residual block,
 * where torchvision calls one `relu` module several times and the block's own output is the
 * block module's:
 *
 * - the block's last value (after its final ReLU, or its sum in pre-activation) is `layer3.0`;
 * - its other ReLUs are the calls of `layer3.0.relu`: the first `layer3.0.relu`, the k-th
 *   `layer3.0.relu#k`;
 * - the residual sum, which no module produces, keeps the IR's name `layer3.0.add` (PyTorch's
 *   `out += identity`, what the block's last ReLU reads).
 *
 * A block is found by its sum: the nodes named `<prefix>.*` around a node `<prefix>.add`. In a
 * graph of one block (no prefix) only the ReLU calls are renamed. Every other value keeps its IR
 * name (`conv1`, `bn1`, `relu`, `maxpool`, `layer3.0.downsample.0`, `avgpool`, `flatten`, `fc`).
 *
 * With BN folded, a folded convolution carries its BN's name, so its output is compared with
 * PyTorch's BN output (`layer3.0.bn2`); the convolution's own output exists only unfolded.
 */
export function moduleNames(graph: Graph): ReadonlyMap<string, string> {
  const names = new Map(graph.nodes.map((n) => [n.name, n.name]));
  const prefixes = new Set<string>();
  for (const n of graph.nodes) {
    const m = /^(?:(.+)\.)?add(?:#\d+)?$/.exec(n.name);
    if (n.op === 'add' && m) prefixes.add(m[1] ?? '');
  }
  for (const prefix of prefixes) {
    const members = graph.nodes.filter((n) => (prefix ? n.name.startsWith(`${prefix}.`) : true));
    const last = members.at(-1);
    let call = 0;
    for (const n of members) {
      if (prefix && n === last) names.set(n.name, prefix);
      else if (n.op === 'relu') {
        call++;
        const module = prefix ? `${prefix}.relu` : 'relu';
        names.set(n.name, call === 1 ? module : `${module}#${call}`);
      }
    }
  }
  return names;
}
