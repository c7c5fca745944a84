/** Where the image tests serve @resblocks/image's fixtures and its JPEG decoder's wasm (page and Node side). */
export const IMAGE_FIXTURES = '/image-fixtures/';
export const IMAGE_WASM = '/wasm/image/';
