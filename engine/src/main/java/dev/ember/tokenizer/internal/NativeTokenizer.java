package dev.ember.tokenizer.internal;

import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;

/**
 * One Hugging Face tokenizers (Rust) instance behind DJL's JNI binding. DJL is forced offline
 * ({@code ai.djl.offline=true}) before its native library loads, so it uses the library bundled in
 * its jar and never tries to download one.
 *
 * <p>Usage: {@code try (var t = NativeTokenizer.fromJson(json)) { long[] ids = t.encode("hi", false); }}
 */
public final class NativeTokenizer implements AutoCloseable {

  static {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    // Loads the bundled native library. DJL's HuggingFaceTokenizer factories are not used: they
    // also "call home" (usage tracking over the network).
    LibUtils.checkStatus();
  }

  private long handle;

  private NativeTokenizer(long handle) {
    this.handle = handle;
  }

  /** Parses a tokenizer.json document; throws if the tokenizers library rejects it. */
  public static NativeTokenizer fromJson(String tokenizerJson) {
    long handle = TokenizersLibrary.LIB.createTokenizerFromString(tokenizerJson);
    if (handle == 0) {
      throw new IllegalArgumentException("tokenizers library rejected tokenizer.json");
    }
    return new NativeTokenizer(handle);
  }

  public long[] encode(String text, boolean addSpecialTokens) {
    long encoding = TokenizersLibrary.LIB.encode(handle(), text, addSpecialTokens);
    try {
      return TokenizersLibrary.LIB.getTokenIds(encoding);
    } finally {
      TokenizersLibrary.LIB.deleteEncoding(encoding);
    }
  }

  public String decode(long[] ids, boolean skipSpecialTokens) {
    return TokenizersLibrary.LIB.decode(handle(), ids, skipSpecialTokens);
  }

  private synchronized long handle() {
    if (handle == 0) {
      throw new IllegalStateException("tokenizer is closed");
    }
    return handle;
  }

  @Override
  public synchronized void close() {
    if (handle != 0) {
      TokenizersLibrary.LIB.deleteTokenizer(handle);
      handle = 0;
    }
  }
}
