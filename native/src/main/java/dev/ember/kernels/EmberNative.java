package dev.ember.kernels;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.annotation.Cast;
import org.bytedeco.javacpp.annotation.Const;
import org.bytedeco.javacpp.annotation.MemberGetter;
import org.bytedeco.javacpp.annotation.MemberSetter;
import org.bytedeco.javacpp.annotation.Name;
import org.bytedeco.javacpp.annotation.NoException;
import org.bytedeco.javacpp.annotation.Platform;

/**
 * JavaCPP binding of the kernel library's C API ({@code ember.h}). Addresses cross as
 * {@code long}: Java keeps native memory as plain addresses and never wraps a tensor in an object.
 *
 * Handles ({@code ember_model*}, {@code ember_kv*}) are addresses too; {@link EmberConfig} and
 * {@link EmberStep} are the two parameter blocks, allocated once and reused.
 *
 * {@code @NoException} (no per-call exception wrapper) is safe because every entry of the library
 * catches its own C++ exceptions and reports them as an error code or null, with
 * {@link #ember_last_error()} saying why ({@link #EMBER_ERR_OUT_OF_MEMORY} and friends).
 *
 * <pre>{@code
 * long model = EmberNative.ember_model_new(config, "cpu", threads, maxBatchTokens);
 * EmberNative.ember_model_set_tensor(model, EmberNative.EMBER_W_WQ, 0, addr, EmberNative.EMBER_Q8_0, rows, cols);
 * if (EmberNative.ember_model_finalize(model) != 0) throw new IllegalStateException(EmberNative.ember_last_error());
 * int rc = EmberNative.ember_forward(model, kv, step);
 * }</pre>
 */
@Platform(
    value = {"linux-x86_64", "linux-arm64"},
    compiler = "cpp17",
    include = "ember.h",
    link = "ember_kernels")
@NoException
public final class EmberNative {
  static {
    Loader.load();
  }

  private EmberNative() {}

  // ember_status (EMBER_ERR_SYSTEM, _OUT_OF_MEMORY and _INTERNAL: any entry; ember_last_error() says more)
  public static final int EMBER_OK = 0, EMBER_ERR_INVALID = -1, EMBER_ERR_MISSING_TENSOR = -2, EMBER_ERR_SHAPE = -3,
      EMBER_ERR_BACKEND_UNAVAILABLE = -4, EMBER_ERR_SYSTEM = -11, EMBER_ERR_OUT_OF_MEMORY = -12,
      EMBER_ERR_INTERNAL = -99;
  // ember_dtype
  public static final int EMBER_F32 = 0, EMBER_F16 = 1, EMBER_BF16 = 2, EMBER_Q8_0 = 3, EMBER_Q4_0 = 4;
  // ember_rope_style, ember_rope_scaling
  public static final int EMBER_ROPE_NEOX = 0, EMBER_ROPE_INTERLEAVED = 1;
  public static final int EMBER_ROPE_SCALING_NONE = 0, EMBER_ROPE_SCALING_LLAMA3 = 1;
  // ember_tensor_kind
  public static final int EMBER_W_EMBED = 0, EMBER_W_FINAL_NORM = 1, EMBER_W_LM_HEAD = 2, EMBER_W_ATTN_NORM = 3,
      EMBER_W_WQ = 4, EMBER_W_WK = 5, EMBER_W_WV = 6, EMBER_W_WO = 7, EMBER_W_BQ = 8, EMBER_W_BK = 9,
      EMBER_W_BV = 10, EMBER_W_FFN_NORM = 11, EMBER_W_GATE = 12, EMBER_W_UP = 13, EMBER_W_DOWN = 14;

  /** {@code ember_config}: the model's geometry and RoPE settings (field names as in ember.h). */
  @Name("ember_config")
  public static class EmberConfig extends Pointer {
    static {
      Loader.load();
    }

    /** Allocates a zeroed native ember_config (freed with the Pointer's deallocator or close()). */
    public EmberConfig() {
      super((Pointer) null);
      allocate();
    }

    public EmberConfig(Pointer p) {
      super(p);
    }

    private native void allocate();

    public native int hidden_size();
    public native EmberConfig hidden_size(int v);
    public native int num_layers();
    public native EmberConfig num_layers(int v);
    public native int num_heads();
    public native EmberConfig num_heads(int v);
    public native int num_kv_heads();
    public native EmberConfig num_kv_heads(int v);
    public native int head_dim();
    public native EmberConfig head_dim(int v);
    public native int intermediate_size();
    public native EmberConfig intermediate_size(int v);
    public native int vocab_size();
    public native EmberConfig vocab_size(int v);
    public native int max_position();
    public native EmberConfig max_position(int v);
    public native float rms_norm_eps();
    public native EmberConfig rms_norm_eps(float v);
    public native float rope_theta();
    public native EmberConfig rope_theta(float v);
    public native int rope_style();
    public native EmberConfig rope_style(int v);
    public native int rope_scaling();
    public native EmberConfig rope_scaling(int v);
    public native float rope_factor();
    public native EmberConfig rope_factor(float v);
    public native float rope_low_freq_factor();
    public native EmberConfig rope_low_freq_factor(float v);
    public native float rope_high_freq_factor();
    public native EmberConfig rope_high_freq_factor(float v);
    public native int rope_original_max_position();
    public native EmberConfig rope_original_max_position(int v);
    public native int tie_word_embeddings();
    public native EmberConfig tie_word_embeddings(int v);
    public native int attention_bias();
    public native EmberConfig attention_bias(int v);
  }

  /**
   * {@code ember_step}: one engine step. Array fields are native addresses (the runner keeps
   * its step arrays in one native allocation), set once and refilled in place each step.
   */
  @Name("ember_step")
  public static class EmberStep extends Pointer {
    static {
      Loader.load();
    }

    /** Allocates a zeroed native ember_step. */
    public EmberStep() {
      super((Pointer) null);
      allocate();
    }

    public EmberStep(Pointer p) {
      super(p);
    }

    private native void allocate();

    public native int num_tokens();
    public native EmberStep num_tokens(int v);
    public native int num_seqs();
    public native EmberStep num_seqs(int v);
    public native int max_blocks();
    public native EmberStep max_blocks(int v);
    public native int num_logits();
    public native EmberStep num_logits(int v);
    public native @MemberGetter @Cast("intptr_t") long token_ids();
    public native @MemberSetter EmberStep token_ids(@Cast("const int32_t*") long address);
    public native @MemberGetter @Cast("intptr_t") long positions();
    public native @MemberSetter EmberStep positions(@Cast("const int32_t*") long address);
    public native @MemberGetter @Cast("intptr_t") long query_start();
    public native @MemberSetter EmberStep query_start(@Cast("const int32_t*") long address);
    public native @MemberGetter @Cast("intptr_t") long context_lens();
    public native @MemberSetter EmberStep context_lens(@Cast("const int32_t*") long address);
    public native @MemberGetter @Cast("intptr_t") long block_tables();
    public native @MemberSetter EmberStep block_tables(@Cast("const int32_t*") long address);
    public native @MemberGetter @Cast("intptr_t") long slot_mapping();
    public native @MemberSetter EmberStep slot_mapping(@Cast("const int32_t*") long address);
    public native @MemberGetter @Cast("intptr_t") long logits_indices();
    public native @MemberSetter EmberStep logits_indices(@Cast("const int32_t*") long address);
    public native @MemberGetter @Cast("intptr_t") long logits();
    public native @MemberSetter EmberStep logits(@Cast("float*") long address);
  }

  public static native @Cast("int64_t") long ember_dtype_bytes(int dtype, @Cast("int64_t") long n);

  // ---- model
  public static native @Cast("intptr_t") long ember_model_new(
      @Const EmberConfig config, String device, int threads, int maxBatchTokens);

  public static native String ember_model_device(@Cast("const ember_model*") long model);

  public static native int ember_model_set_tensor(
      @Cast("ember_model*") long model, int kind, int layer, @Cast("const void*") long data, int dtype,
      @Cast("int64_t") long rows, @Cast("int64_t") long cols);

  public static native int ember_model_finalize(@Cast("ember_model*") long model);

  public static native void ember_model_free(@Cast("ember_model*") long model);

  public static native @Cast("int64_t") long ember_model_scratch_bytes(@Cast("const ember_model*") long model);

  public static native int ember_model_wait_packed(@Cast("ember_model*") long model);

  // ---- paged KV cache
  public static native @Cast("intptr_t") long ember_kv_new(
      @Cast("const ember_model*") long model, int numBlocks, int blockSize, int kvDtype);

  public static native void ember_kv_free(@Cast("ember_kv*") long kv);

  public static native @Cast("int64_t") long ember_kv_block_bytes(
      @Const EmberConfig config, int blockSize, int kvDtype);

  public static native int ember_kv_copy_blocks(
      @Cast("ember_kv*") long kv, @Cast("const int32_t*") long src, @Cast("const int32_t*") long dst, int n);

  public static native int ember_kv_read_block(@Cast("const ember_kv*") long kv, int block, @Cast("void*") long buf);

  public static native int ember_kv_write_block(@Cast("ember_kv*") long kv, int block, @Cast("const void*") long buf);

  // ---- the step
  public static native int ember_forward(
      @Cast("ember_model*") long model, @Cast("ember_kv*") long kv, @Const EmberStep step);

  // ---- memory

  public static native @Cast("intptr_t") long ember_map_file(String path, @Cast("int64_t*") long[] sizeOut);

  public static native int ember_unmap(@Cast("void*") long addr, @Cast("int64_t") long size);

  public static native @Cast("intptr_t") long ember_alloc(@Cast("int64_t") long bytes);

  public static native void ember_free(@Cast("void*") long ptr);

  public static native @Cast("int64_t") long ember_allocated_bytes();

  public static native int ember_convert(
      @Cast("const void*") long src, int srcDtype, @Cast("void*") long dst, int dstDtype,
      @Cast("int64_t") long n, int threads);

  // ---- machine
  public static native String ember_isa();

  public static native int ember_force_isa(String name);

  public static native double ember_read_bandwidth_gbs(@Cast("int64_t") long bytes, int threads);

  /** Arithmetic peak in G-ops/s: kind 0 = f32 FMA, 1 = the quantized kernels' int8 dot sequence. */
  public static native double ember_peak_gops(int kind, int threads);

  public static native String ember_last_error();

  public static native int ember_last_error_code();
}
