package dev.ember.runner;

import dev.ember.kernels.EmberNative;
import dev.ember.model.DType;
import java.io.IOException;
import org.bytedeco.javacpp.IntPointer;

/**
 * The native paged KV cache of one model: {@code numBlocks} blocks of {@code blockSize} token slots
 * in every layer. Which block holds what is decided in Java (dev.ember.kv); this is only the memory.
 *
 * <pre>{@code KvCacheMemory kv = KvCacheMemory.ofBudget(model, 512L << 20, 16, DType.F16); }</pre>
 */
public final class KvCacheMemory implements AutoCloseable {
  /** Default block size on CPU (vLLM's 16 tokens). */
  public static final int DEFAULT_BLOCK_SIZE = 16;

  private final long handle;
  private final int numBlocks;
  private final int blockSize;
  private final long blockBytes;
  private boolean closed;

  private KvCacheMemory(long handle, int numBlocks, int blockSize, long blockBytes) {
    this.handle = handle;
    this.numBlocks = numBlocks;
    this.blockSize = blockSize;
    this.blockBytes = blockBytes;
  }

  /** Allocates exactly numBlocks blocks. kvDtype is F16 (default) or F32. */
  public static KvCacheMemory allocate(NativeModel model, int numBlocks, int blockSize, DType kvDtype)
      throws IOException {
    if (numBlocks < 1 || blockSize < 1) {
      throw new IllegalArgumentException("need numBlocks >= 1 and blockSize >= 1, got " + numBlocks + ", " + blockSize);
    }
    long blockBytes = blockBytes(model, blockSize, kvDtype);
    long h = EmberNative.ember_kv_new(model.handle(), numBlocks, blockSize, kvDtype.code());
    if (h == 0) {
      throw new IOException("cannot allocate KV cache of " + numBlocks + " blocks (" + numBlocks * blockBytes
          + " bytes): " + EmberNative.ember_last_error());
    }
    return new KvCacheMemory(h, numBlocks, blockSize, blockBytes);
  }

  /** Allocates as many blocks as fit in {@code budgetBytes}. */
  public static KvCacheMemory ofBudget(NativeModel model, long budgetBytes, int blockSize, DType kvDtype)
      throws IOException {
    long perBlock = blockBytes(model, blockSize, kvDtype);
    long blocks = budgetBytes / perBlock;
    if (blocks < 1) {
      throw new IllegalArgumentException("KV cache budget of " + budgetBytes + " bytes holds no block of "
          + perBlock + " bytes");
    }
    return allocate(model, (int) Math.min(blocks, Integer.MAX_VALUE), blockSize, kvDtype);
  }

  /** Bytes one block takes over all layers (K and V). */
  public static long blockBytes(NativeModel model, int blockSize, DType kvDtype) {
    return EmberNative.ember_kv_block_bytes(NativeConfig.of(model.config()), blockSize, kvDtype.code());
  }

  long handle() {
    if (closed) {
      throw new IllegalStateException("KV cache is closed");
    }
    return handle;
  }

  public int numBlocks() {
    return numBlocks;
  }

  public int blockSize() {
    return blockSize;
  }

  public long blockBytes() {
    return blockBytes;
  }

  /** Copies whole blocks src[i] to dst[i] (copy-on-write of a shared partial block). */
  public void copyBlocks(int[] src, int[] dst) {
    if (src.length != dst.length) {
      throw new IllegalArgumentException("src and dst differ in length");
    }
    if (src.length == 0) {
      return;
    }
    try (IntPointer s = new IntPointer(src); IntPointer d = new IntPointer(dst)) {
      if (EmberNative.ember_kv_copy_blocks(handle(), s.address(), d.address(), src.length) != 0) {
        throw new IllegalStateException(EmberNative.ember_last_error());
      }
    }
  }

  /** Copies one block's contents (every layer's K and V, {@link #blockBytes()} bytes) to native memory at {@code address}. */
  public void readBlock(int block, long address) {
    checkBlock(block);
    if (EmberNative.ember_kv_read_block(handle(), block, address) != 0) {
      throw new IllegalStateException(EmberNative.ember_last_error());
    }
  }

  /** Overwrites one block's contents from {@link #blockBytes()} bytes of native memory at {@code address}. */
  public void writeBlock(int block, long address) {
    checkBlock(block);
    if (EmberNative.ember_kv_write_block(handle(), block, address) != 0) {
      throw new IllegalStateException(EmberNative.ember_last_error());
    }
  }

  private void checkBlock(int block) {
    if (block < 0 || block >= numBlocks) {
      throw new IndexOutOfBoundsException("block " + block + " of " + numBlocks);
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      EmberNative.ember_kv_free(handle);
    }
  }
}
