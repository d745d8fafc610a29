package dev.ember.kv;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Computes prefix-cache block hashes with vLLM's {@code sha256_cbor} scheme, so that a block
 * hash is byte-identical on every replica, across restarts and with vLLM itself.
 *
 * <p>{@code h_i = SHA-256(CBOR([h_{i-1}, [tokens of block i], extraKeys]))} over full blocks only;
 * {@code h_{-1}} is the seed hash {@code SHA-256(CBOR(seed))}; {@code extraKeys} is CBOR null, or
 * {@code [cacheSalt]} on the first block of a salted request. The exact bytes are in HASHING.md.
 *
 * <p>Not thread-safe: it reuses one digest and one CBOR generator, so hashing a block allocates
 * nothing. Use one hasher per engine thread.
 *
 * <pre>{@code
 * BlockHasher hasher = new BlockHasher("ember");
 * long[] keys = hasher.blockKeys(promptTokens, promptTokens.length, 16, null);
 * }</pre>
 */
public final class BlockHasher {

  /** Name of the hash scheme, part of the cluster prefix-index key. */
  public static final String SCHEME = "sha256_cbor";
  /** Bytes of one block hash. */
  public static final int HASH_BYTES = 32;

  private final MessageDigest digest;
  private final CBORGenerator cbor;
  private final byte[] seedHash = new byte[HASH_BYTES];

  /** @param seed the configured hash seed (vLLM: the {@code PYTHONHASHSEED} value); never random */
  public BlockHasher(String seed) {
    Objects.requireNonNull(seed, "seed");
    try {
      digest = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    try {
      cbor = new CBORFactory().createGenerator(new DigestSink(digest));
      cbor.writeString(seed);
      finish(seedHash, 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The seed hash {@code SHA-256(CBOR(seed))}, the parent of every first block. */
  public byte[] seedHash() {
    return seedHash.clone();
  }

  /**
   * Hashes one full block and writes its 32-byte hash to {@code out[outOffset..]}.
   *
   * @param parent the previous block's hash at {@code parentOffset}, or null for the first block
   * @param tokens the block's token ids are {@code tokens[from..from+count)}
   * @param cacheSalt the request's salt, used only when {@code parent} is null; null for none
   */
  public void hashBlock(byte[] parent, int parentOffset, int[] tokens, int from, int count,
      String cacheSalt, byte[] out, int outOffset) {
    try {
      cbor.writeStartArray(null, 3);
      if (parent == null) {
        cbor.writeBinary(seedHash, 0, HASH_BYTES);
      } else {
        cbor.writeBinary(parent, parentOffset, HASH_BYTES);
      }
      cbor.writeStartArray(null, count);
      for (int i = from, end = from + count; i < end; i++) {
        cbor.writeNumber(tokens[i]);
      }
      cbor.writeEndArray();
      if (parent == null && cacheSalt != null) {
        cbor.writeStartArray(null, 1);
        cbor.writeString(cacheSalt);
        cbor.writeEndArray();
      } else {
        cbor.writeNull();
      }
      cbor.writeEndArray();
      finish(out, outOffset);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The 64-bit key of the cluster index and KV events: the hash's last 8 bytes read big-endian
   * (vLLM's {@code int.from_bytes(hash, "big") & (2**64 - 1)}), as a signed long.
   */
  public static long key64(byte[] hash, int offset) {
    long key = 0;
    for (int i = offset + HASH_BYTES - 8, end = offset + HASH_BYTES; i < end; i++) {
      key = (key << 8) | (hash[i] & 0xFF);
    }
    return key;
  }

  /** The 64-bit keys of all full blocks of {@code tokens[0..numTokens)}, for prefix routing. */
  public long[] blockKeys(int[] tokens, int numTokens, int blockSize, String cacheSalt) {
    byte[] hashes = blockHashes(tokens, numTokens, blockSize, cacheSalt);
    long[] keys = new long[hashes.length / HASH_BYTES];
    for (int b = 0; b < keys.length; b++) {
      keys[b] = key64(hashes, b * HASH_BYTES);
    }
    return keys;
  }

  /** The 32-byte hashes of all full blocks of {@code tokens[0..numTokens)}, block {@code b}'s at {@code b * 32}. */
  public byte[] blockHashes(int[] tokens, int numTokens, int blockSize, String cacheSalt) {
    int blocks = numTokens / blockSize;
    byte[] hashes = new byte[blocks * HASH_BYTES];
    for (int b = 0; b < blocks; b++) {
      hashBlock(b == 0 ? null : hashes, (b - 1) * HASH_BYTES, tokens, b * blockSize, blockSize,
          cacheSalt, hashes, b * HASH_BYTES);
    }
    return hashes;
  }

  /** Lower-case hex of one hash, for logs and test vectors. */
  public static String hex(byte[] hash, int offset) {
    return HexFormat.of().formatHex(hash, offset, offset + HASH_BYTES);
  }

  private void finish(byte[] out, int outOffset) throws IOException {
    cbor.flush();
    try {
      digest.digest(out, outOffset, HASH_BYTES);
    } catch (DigestException e) {
      throw new IllegalArgumentException("no room for a hash at offset " + outOffset, e);
    }
  }

  /** Feeds the generator's output straight into the digest; nothing is buffered here. */
  private static final class DigestSink extends OutputStream {
    private final MessageDigest digest;

    DigestSink(MessageDigest digest) {
      this.digest = digest;
    }

    @Override
    public void write(int b) {
      digest.update((byte) b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      digest.update(b, off, len);
    }
  }
}
