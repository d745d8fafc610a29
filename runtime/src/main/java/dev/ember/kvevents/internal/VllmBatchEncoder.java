package dev.ember.kvevents.internal;

import dev.ember.kv.KvEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/**
 * Encodes one step's KV events as the msgpack payload of vLLM's {@code KVEventBatch}, in the positional
 * (array-like, tagged) form that vLLM's readers, llm-d and Dynamo all decode:
 *
 * <pre>
 * [ts, [event...], data_parallel_rank]
 * ["BlockStored", [hash...], parent or nil, [token id...], block_size, lora_id (nil), medium (nil)]
 * ["BlockRemoved", [hash...], medium (nil)]
 * ["AllBlocksCleared"]
 * </pre>
 *
 * Hashes are unsigned 64-bit integers, as vLLM writes its (low 64-bit) block hashes. One encoder per thread;
 * its buffer is reused.
 *
 * <pre>{@code byte[] payload = encoder.encode(batch.timestampMillis() / 1000.0, batch.events()); }</pre>
 */
public final class VllmBatchEncoder {
  static final String BLOCK_STORED = "BlockStored";
  static final String BLOCK_REMOVED = "BlockRemoved";
  static final String ALL_BLOCKS_CLEARED = "AllBlocksCleared";
  /** Ember runs no data parallelism inside an engine; vLLM's publisher writes rank 0 for that case. */
  private static final int DATA_PARALLEL_RANK = 0;
  private static final byte UINT64 = (byte) 0xcf;

  private final MessageBufferPacker packer = MessagePack.newDefaultBufferPacker();
  private final byte[] uint64 = new byte[9];

  public byte[] encode(double timestampSeconds, List<KvEvent> events) {
    try {
      packer.clear();
      packer.packArrayHeader(3);
      packer.packDouble(timestampSeconds);
      packer.packArrayHeader(events.size());
      for (KvEvent e : events) {
        switch (e) {
          case KvEvent.BlockStored s -> stored(s);
          case KvEvent.BlockRemoved r -> {
            packer.packArrayHeader(3);
            packer.packString(BLOCK_REMOVED);
            hashes(r.blockHashes());
            packer.packNil();
          }
          case KvEvent.AllBlocksCleared c -> {
            packer.packArrayHeader(1);
            packer.packString(ALL_BLOCKS_CLEARED);
          }
        }
      }
      packer.packInt(DATA_PARALLEL_RANK);
      return packer.toByteArray();
    } catch (IOException ex) {
      // The packer writes to memory only.
      throw new UncheckedIOException(ex);
    }
  }

  private void stored(KvEvent.BlockStored s) throws IOException {
    packer.packArrayHeader(7);
    packer.packString(BLOCK_STORED);
    hashes(s.blockHashes());
    if (s.parentBlockHash() == null) {
      packer.packNil();
    } else {
      hash(s.parentBlockHash());
    }
    int[] tokens = s.tokenIds();
    packer.packArrayHeader(tokens.length);
    for (int t : tokens) {
      packer.packInt(t);
    }
    packer.packInt(s.blockSize());
    packer.packNil(); // lora_id: Ember serves no LoRA adapters
    packer.packNil(); // medium: the engine's own KV cache
  }

  private void hashes(long[] keys) throws IOException {
    packer.packArrayHeader(keys.length);
    for (long k : keys) {
      hash(k);
    }
  }

  /** A 64-bit key as the unsigned integer vLLM writes (a key with the top bit set is above 2^63). */
  private void hash(long key) throws IOException {
    if (key >= 0) {
      packer.packLong(key);
      return;
    }
    uint64[0] = UINT64;
    for (int i = 0; i < 8; i++) {
      uint64[1 + i] = (byte) (key >>> (56 - 8 * i));
    }
    packer.writePayload(uint64);
  }
}
