// Networks of the spec trained on Fashion-MNIST, PyTorch's logits for the test set, and what it
// takes to feed the networks real images and score a backend against PyTorch.
export * from './idx.js';
export type * from './manifest.js';
export * from './picture.js';
export * from './preprocess.js';
export * from './run.js';
export * from './scoring.js';
export * from './trained.js';
