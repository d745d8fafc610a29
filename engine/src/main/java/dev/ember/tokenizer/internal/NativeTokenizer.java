package dev.ember.tokenizer.internal;

import ai.djl.huggingface.tokenizers.jni.LibUtils;
import ai.djl.huggingface.tokenizers.jni.TokenizersLibrary;
import java.util.concurrent.locks.StampedLock;

/**
 * One Hugging Face tokenizers (Rust) instance behind DJL's JNI binding. DJL is forced offline
 * ({@code ai.djl.offline=true}) before its native library loads, so it uses the library bundled in
 * its jar and never tries to download one.
 *
 * <p>Thread-safe: every call holds a read lock for as long as it uses the native handle, and
 * {@link #close()} takes the write lock, so it waits for calls in flight and frees the handle only when
 * none uses it; a call after close throws {@link IllegalStateException}.
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

  private final StampedLock lock = new StampedLock();
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
    long stamp = lock.readLock();
    try {
      long encoding = TokenizersLibrary.LIB.encode(openHandle(), text, addSpecialTokens);
      try {
        return TokenizersLibrary.LIB.getTokenIds(encoding);
      } finally {
        TokenizersLibrary.LIB.deleteEncoding(encoding);
      }
    } finally {
      lock.unlockRead(stamp);
    }
  }

  public String decode(long[] ids, boolean skipSpecialTokens) {
    long stamp = lock.readLock();
    try {
      return TokenizersLibrary.LIB.decode(openHandle(), ids, skipSpecialTokens);
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Calls using the native handle right now (tests). */
  int callsInFlight() {
    return lock.getReadLockCount();
  }

  /** The handle; call with the read lock held. */
  private long openHandle() {
    if (handle == 0) {
      throw new IllegalStateException("tokenizer is closed");
    }
    return handle;
  }

  /** Waits for the calls in flight, then frees the native tokenizer; later calls throw. Idempotent. */
  @Override
  public void close() {
    long stamp = lock.writeLock();
    try {
      if (handle != 0) {
        TokenizersLibrary.LIB.deleteTokenizer(handle);
        handle = 0;
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }
}
