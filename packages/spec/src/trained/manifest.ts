/**
 * What fixtures/trained/manifest.json holds: networks of the spec trained on Fashion-MNIST by
 * scripts/train/train.py, PyTorch's float64 logits for the whole test set and a committed sample of
 * test images. The Python generator writes it; nothing here computes it.
 */

/** How a 28x28 uint8 image becomes the network's input (see fashionInput). */
export interface PreprocessSpec {
  /** Side of the data set's images (28). */
  readonly size: number;
  /** Zero pixels added on each side (2: 28 -> 32, the CIFAR input size). */
  readonly pad: number;
  readonly scale: number;
  readonly mean: number;
  readonly std: number;
  /** The gray channel repeated this many times (3: the CIFAR networks' stem). */
  readonly channels: number;
}

export interface TrainingRecord {
  readonly seed: number;
  readonly epochs: number;
  readonly batch: number;
  readonly trainSeconds: number;
  readonly testAccuracyFloat32: number;
  readonly testAccuracyFloat64: number;
  readonly device: string;
  readonly torch: string;
  readonly cuda: string | null;
  readonly python: string;
  readonly [key: string]: unknown;
}

export interface TrainedModelEntry {
  /** safetensors file with the spec's (torchvision-style) parameter names. */
  readonly weights: string;
  /** The same tensors as a PyTorch checkpoint (torch.save of the state_dict). */
  readonly pth: string;
  /** safetensors file with `logits`: F64 [testImages, classes], PyTorch in float64. */
  readonly logits: string;
  readonly testAccuracy: number;
  readonly sampleAccuracy: number;
  /** The smallest top-1 minus top-2 logit over the test set. */
  readonly smallestTop2Margin: number;
  readonly training: TrainingRecord;
}

export interface TrainedManifest {
  readonly format: 1;
  readonly generator: string;
  readonly dataset: {
    readonly name: string;
    readonly source: string;
    readonly classes: readonly string[];
    readonly testImages: number;
    /** safetensors file with `images` U8 [n, size, size] and `labels` U8 [n]: the first test images. */
    readonly sample: string;
    readonly sampleCount: number;
  };
  readonly preprocess: PreprocessSpec;
  readonly logitsBy: { readonly torch: string; readonly python: string; readonly dtype: string };
  readonly models: Readonly<Record<string, TrainedModelEntry>>;
  readonly files: Readonly<Record<string, { readonly sha256: string }>>;
}
