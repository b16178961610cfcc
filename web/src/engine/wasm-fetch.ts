// Instantiating an Emscripten module from a wasm download already under way: shared by the engine's
// loader (load.ts) and the language model's (lm-load.ts).

/** An Emscripten module factory (MODULARIZE): options in, the module out. */
type ModuleFactory<Options, Module> = (options?: Options) => Promise<Module>;

/**
 * `create` taking the module's wasm from `response` instead of fetching it itself once its script
 * has run, so the wasm downloads (and compiles, as it streams in) alongside the script. Emscripten's
 * `instantiateWasm` hook hands over the imports and takes the instance and the compiled module
 * (which the threaded build passes on to its thread Workers).
 */
export function withWasmFrom<Options, Module>(response: Promise<Response>, create: ModuleFactory<Options, Module>): ModuleFactory<Options, Module> {
  response.catch(() => {}); // a failed download rejects the instantiation below
  return (options) => {
    let failed!: (err: unknown) => void;
    const failure = new Promise<never>((_, reject) => (failed = reject));
    const instantiateWasm = (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
      WebAssembly.instantiateStreaming(response, imports).then(({ instance, module }) => receive(instance, module), failed);
      return {};
    };
    return Promise.race([create({ ...options, instantiateWasm } as Options), failure]);
  };
}
