package dev.ember.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The hash chain's bytes, checked against CBOR written by hand from RFC 8949 and HASHING.md. */
class BlockHasherTest {

  private static final String SEED_HASH = "9e71d8e9b69217deac5349f18d306d534d82593b5d693cd9331ce7d7f0e38027";
  private static final String[] PLAIN = {
      "9f0f54a0cc07c6048b23b8a3795bd0d9c024829032a449f34738810d67664e78",
      "bbfc826434e7286d68f6e4f261aa07a96bec4fb4d3d312c8451ed5fb02a0409e"};
  private static final String[] SALTED = {
      "ab8dbad2c5da0ce74953503342e8545d63513bc14859ac0f2d9cf5462f493b67",
      "e6af7d0436afe909f217738a93d8b34e5939ddc829681e1f747bf4828ada7147"};
  private static final int[] ONE_TO_TEN = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

  private final BlockHasher hasher = new BlockHasher("ember");

  @Test
  void seedHashIsSha256OfTheSeedAsCborText() throws Exception {
    byte[] cbor = concat(new byte[] {0x65}, "ember".getBytes(StandardCharsets.UTF_8));
    assertEquals(SEED_HASH, HexFormat.of().formatHex(sha256(cbor)));
    assertEquals(SEED_HASH, HexFormat.of().formatHex(hasher.seedHash()));
  }

  @Test
  void firstBlockHashesTheHandWrittenCborArray() throws Exception {
    byte[] cbor = concat(
        new byte[] {(byte) 0x83, 0x58, 0x20}, HexFormat.of().parseHex(SEED_HASH),
        new byte[] {(byte) 0x84, 0x01, 0x02, 0x03, 0x04, (byte) 0xf6});
    assertArrayEquals(sha256(cbor), hash(null, 0, ONE_TO_TEN, 0, 4, null));
  }

  @Test
  void secondBlockChainsOnTheFirstBlocksDigest() throws Exception {
    byte[] first = hash(null, 0, ONE_TO_TEN, 0, 4, null);
    byte[] cbor = concat(new byte[] {(byte) 0x83, 0x58, 0x20}, first,
        new byte[] {(byte) 0x84, 0x05, 0x06, 0x07, 0x08, (byte) 0xf6});
    assertArrayEquals(sha256(cbor), hash(first, 0, ONE_TO_TEN, 4, 4, null));
  }

  @Test
  void saltIsAOneElementArrayOnTheFirstBlockOnly() throws Exception {
    byte[] cbor = concat(
        new byte[] {(byte) 0x83, 0x58, 0x20}, HexFormat.of().parseHex(SEED_HASH),
        new byte[] {(byte) 0x84, 0x01, 0x02, 0x03, 0x04, (byte) 0x81, 0x68},
        "tenant-a".getBytes(StandardCharsets.UTF_8));
    byte[] first = hash(null, 0, ONE_TO_TEN, 0, 4, "tenant-a");
    assertArrayEquals(sha256(cbor), first);
    byte[] second = concat(new byte[] {(byte) 0x83, 0x58, 0x20}, first,
        new byte[] {(byte) 0x84, 0x05, 0x06, 0x07, 0x08, (byte) 0xf6});
    assertArrayEquals(sha256(second), hash(first, 0, ONE_TO_TEN, 4, 4, "tenant-a"));
  }

  @Test
  void tokenIdsUseMinimalLengthIntegers() throws Exception {
    int[] tokens = {0, 23, 24, 255, 256, 65535, 65536, 151643};
    byte[] cbor = concat(
        new byte[] {(byte) 0x83, 0x58, 0x20}, HexFormat.of().parseHex(SEED_HASH),
        HexFormat.of().parseHex("88" + "00" + "17" + "1818" + "18ff" + "190100" + "19ffff"
            + "1a00010000" + "1a0002505b" + "f6"));
    assertArrayEquals(sha256(cbor), hash(null, 0, tokens, 0, 8, null));
  }

  @Test
  void chainOfSeedEmberBlockSizeFourTokensOneToTenMatchesTheVectors() {
    assertHexChain(PLAIN, null);
    assertHexChain(SALTED, "tenant-a");
  }

  @Test
  void key64IsTheLastEightBytesBigEndian() {
    byte[] hash = new byte[32];
    for (int i = 0; i < 32; i++) {
      hash[i] = (byte) (i + 1);
    }
    assertEquals(0x191a1b1c1d1e1f20L, BlockHasher.key64(hash, 0));
    assertEquals(5131993669957996152L, BlockHasher.key64(HexFormat.of().parseHex(PLAIN[0]), 0));
  }

  @Test
  void blockKeysCoverFullBlocksOnly() {
    long[] keys = hasher.blockKeys(ONE_TO_TEN, 10, 4, null);
    assertEquals(2, keys.length);
    assertEquals(BlockHasher.key64(HexFormat.of().parseHex(PLAIN[1]), 0), keys[1]);
  }

  @Test
  void differentSeedsGiveDifferentChains() {
    byte[] other = new byte[32];
    new BlockHasher("other").hashBlock(null, 0, ONE_TO_TEN, 0, 4, null, other, 0);
    assertNotEquals(PLAIN[0], HexFormat.of().formatHex(other));
  }

  @Test
  void hashingABlockAllocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int[] tokens = new int[16];
    byte[] out = new byte[64];
    for (int i = 0; i < 20_000; i++) {
      hasher.hashBlock(out, 0, tokens, 0, 16, null, out, 32);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 10_000; i++) {
      tokens[i & 15] = i;
      hasher.hashBlock(out, 0, tokens, 0, 16, null, out, 32);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 10_000, "10000 block hashes allocated " + allocated + " bytes");
  }

  private void assertHexChain(String[] expected, String salt) {
    byte[] parent = null;
    for (int b = 0; b < expected.length; b++) {
      byte[] h = hash(parent, 0, ONE_TO_TEN, b * 4, 4, salt);
      assertEquals(expected[b], BlockHasher.hex(h, 0), "block " + b);
      parent = h;
    }
  }

  private byte[] hash(byte[] parent, int parentOffset, int[] tokens, int from, int count, String salt) {
    byte[] out = new byte[32];
    hasher.hashBlock(parent, parentOffset, tokens, from, count, salt, out, 0);
    return out;
  }

  private static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
