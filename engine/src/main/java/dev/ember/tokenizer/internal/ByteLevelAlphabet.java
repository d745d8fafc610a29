package dev.ember.tokenizer.internal;

import java.io.ByteArrayOutputStream;

/**
 * GPT-2's byte-to-unicode mapping used by byte-level BPE: every byte value gets a printable
 * character (printable Latin-1 bytes map to themselves, the other 68 to U+0100 and up), so a
 * token's bytes can be stored as an ordinary string.
 *
 * <p>Usage: {@code String token = ByteLevelAlphabet.encode(" hi".getBytes(UTF_8)); // "Ġhi"}
 */
public final class ByteLevelAlphabet {

  private static final char[] BYTE_TO_CHAR = new char[256];
  private static final int[] CHAR_TO_BYTE = new int[512];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int next = 256;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char c = printable ? (char) b : (char) next++;
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  private ByteLevelAlphabet() {}

  /** The character standing for one byte value (0..255). */
  public static char charOf(int unsignedByte) {
    return BYTE_TO_CHAR[unsignedByte];
  }

  /** The byte-level string of raw bytes. */
  public static String encode(byte[] bytes, int from, int to) {
    StringBuilder sb = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      sb.append(BYTE_TO_CHAR[bytes[i] & 0xFF]);
    }
    return sb.toString();
  }

  /** The raw bytes of a byte-level string; throws if a character is outside the alphabet. */
  public static byte[] decode(String token) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(token.length());
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
      if (b < 0) {
        throw new IllegalArgumentException("not a byte-level character: U+" + Integer.toHexString(c));
      }
      out.write(b);
    }
    return out.toByteArray();
  }
}
