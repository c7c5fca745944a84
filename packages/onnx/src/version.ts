/** The resblocks version written into exported models (kept equal to package.json by a test). */
export const VERSION = '0.1.0';
export const PRODUCER_NAME = 'resblocks';
export const OPSET = 17;
export const IR_VERSION = 8;
