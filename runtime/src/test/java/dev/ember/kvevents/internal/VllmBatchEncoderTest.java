package dev.ember.kvevents.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ember.kv.KvEvent;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The msgpack bytes of vLLM's positional KVEventBatch, written out by hand from the msgpack spec. */
class VllmBatchEncoderTest {
  private final VllmBatchEncoder encoder = new VllmBatchEncoder();

  @Test
  void aBlockStoredIsTheTaggedSevenFieldArrayWithUnsignedHashes() {
    byte[] got = encoder.encode(1.5, List.of(new KvEvent.BlockStored(new long[] {-1L, 5L}, 7L, new int[] {1, 2, 3, 4}, 2)));
    String want = "93" // [ts, events, rank]
        + "cb3ff8000000000000" // 1.5 as float64
        + "91" // one event
        + "97" + "ab" + hex("BlockStored")
        + "92" + "cfffffffffffffffff" + "05" // [2^64 - 1, 5]: the top bit set is a large unsigned, not -1
        + "07" // parent
        + "94" + "01020304" // token ids
        + "02" // block_size
        + "c0" + "c0" // lora_id, medium
        + "00"; // data_parallel_rank
    assertEquals(want, HexFormat.of().formatHex(got));
  }

  @Test
  void theFirstBlocksParentIsNil() {
    byte[] got = encoder.encode(0.0, List.of(new KvEvent.BlockStored(new long[] {9L}, null, new int[] {8}, 1)));
    assertEquals("93cb000000000000000091" + "97ab" + hex("BlockStored") + "9109c09108" + "01c0c0" + "00",
        HexFormat.of().formatHex(got));
  }

  @Test
  void removedAndClearedEvents() {
    byte[] got = encoder.encode(0.0, List.of(new KvEvent.BlockRemoved(new long[] {Long.MIN_VALUE}),
        new KvEvent.AllBlocksCleared()));
    String want = "93cb0000000000000000" + "92"
        + "93" + "ac" + hex("BlockRemoved") + "91" + "cf8000000000000000" + "c0"
        + "91" + "b0" + hex("AllBlocksCleared")
        + "00";
    assertEquals(want, HexFormat.of().formatHex(got));
  }

  @Test
  void theEncoderIsReusable() {
    List<KvEvent> events = List.of(new KvEvent.BlockRemoved(new long[] {1L, 2L}));
    byte[] first = encoder.encode(2.0, events);
    encoder.encode(3.0, List.of(new KvEvent.AllBlocksCleared()));
    assertArrayEquals(first, encoder.encode(2.0, events));
  }

  private static String hex(String s) {
    return HexFormat.of().formatHex(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }
}
