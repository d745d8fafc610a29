package dev.ember.tokenizer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.tokenizer.internal.NativeTokenizer;
import dev.ember.tokenizer.internal.TokenizerConfig;
import dev.ember.tokenizer.internal.TokenTable;
import dev.ember.tokenizer.internal.TokenizerJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face tokenizer ({@code tokenizer.json} run by the Rust tokenizers library, offline)
 * plus what {@code tokenizer_config.json} adds: BOS/EOS tokens, whether BOS/EOS are added, and the
 * chat template. Thread-safe; close it once no call is in flight.
 *
 * <p>Usage:
 * <pre>{@code
 * try (Tokenizer tok = Tokenizer.load(modelDir)) {
 *   int[] ids = tok.encode("Hello");
 *   String text = tok.decode(ids, true);
 * }
 * }</pre>
 */
public final class Tokenizer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int[] NONE = new int[0];

  private final NativeTokenizer impl;
  private final Map<String, Integer> ids;
  private final BitSet special;
  private final int vocabSize;
  private final int bosId;
  private final int eosId;
  private final int[] specialPrefix;
  private final int[] specialSuffix;
  private final ChatTemplate chatTemplate;

  private Tokenizer(String tokenizerJson, TokenizerConfig config) throws IOException {
    TokenTable table = TokenTable.parse(tokenizerJson);
    this.ids = table.ids();
    this.special = table.special();
    this.vocabSize = table.size();
    this.bosId = idOrMinusOne(config.bosToken());
    this.eosId = idOrMinusOne(config.eosToken());
    this.impl = NativeTokenizer.fromJson(tokenizerJson);
    try {
      // What the tokenizer.json post-processor adds around a text, unless the config overrides it.
      long[] bare = impl.encode("a", false);
      long[] full = impl.encode("a", true);
      int lead = indexOf(full, bare);
      int[] prefix = lead < 0 ? NONE : toInts(full, 0, lead);
      int[] suffix = lead < 0 ? NONE : toInts(full, lead + bare.length, full.length);
      if (config.addBosToken() != null) {
        prefix = config.addBosToken() && bosId >= 0 ? new int[] {bosId} : NONE;
      }
      if (config.addEosToken() != null) {
        suffix = config.addEosToken() && eosId >= 0 ? new int[] {eosId} : NONE;
      }
      this.specialPrefix = prefix;
      this.specialSuffix = suffix;
      this.chatTemplate = config.chatTemplate() == null
          ? null
          : ChatTemplate.of(config.chatTemplate(), config.bosToken(), config.eosToken());
    } catch (RuntimeException e) {
      impl.close();
      throw e;
    }
  }

  /** Loads {@code tokenizer.json} and, when present, {@code tokenizer_config.json} from a directory. */
  public static Tokenizer load(Path dir) throws IOException {
    Path file = dir.resolve("tokenizer.json");
    if (!Files.isRegularFile(file)) {
      throw new IOException("no tokenizer.json (a regular file) in " + dir);
    }
    String json = Files.readString(file);
    Path configFile = dir.resolve("tokenizer_config.json");
    TokenizerConfig config = Files.isRegularFile(configFile)
        ? TokenizerConfig.parse(JSON.readTree(configFile.toFile()))
        : TokenizerConfig.EMPTY;
    return new Tokenizer(json, config);
  }

  /** A tokenizer for a GGUF-style byte-level BPE vocabulary (BOS per {@link Vocabulary#addsBosToken()}). */
  public static Tokenizer fromVocabulary(Vocabulary v) {
    String bos = v.bosTokenId() >= 0 ? v.tokens().get(v.bosTokenId()) : null;
    String eos = v.eosTokenId() >= 0 ? v.tokens().get(v.eosTokenId()) : null;
    TokenizerConfig config = new TokenizerConfig(v.chatTemplate(), bos, eos, v.addsBosToken(), false);
    try {
      return new Tokenizer(TokenizerJson.build(v), config);
    } catch (IOException e) {
      throw new IllegalStateException("generated tokenizer.json is not valid JSON", e);
    }
  }

  /** Token ids of a text with special tokens (BOS and the like) added. */
  public int[] encode(String text) {
    return encode(text, true);
  }

  /**
   * Token ids of a text. Special-token strings in the text (e.g. {@code <|im_start|>}) always map
   * to their single ids; {@code addSpecialTokens} only controls the BOS/EOS added around it.
   */
  public int[] encode(String text, boolean addSpecialTokens) {
    long[] core = impl.encode(text, false);
    int[] prefix = addSpecialTokens ? specialPrefix : NONE;
    int[] suffix = addSpecialTokens ? specialSuffix : NONE;
    int[] out = new int[prefix.length + core.length + suffix.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    for (int i = 0; i < core.length; i++) {
      out[prefix.length + i] = (int) core[i];
    }
    System.arraycopy(suffix, 0, out, prefix.length + core.length, suffix.length);
    return out;
  }

  public String decode(int[] ids, boolean skipSpecialTokens) {
    long[] wide = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      wide[i] = ids[i];
    }
    return impl.decode(wide, skipSpecialTokens);
  }

  String decode(long[] ids, boolean skipSpecialTokens) {
    return impl.decode(ids, skipSpecialTokens);
  }

  /** Number of ids, added tokens included (Hugging Face's {@code len(tokenizer)}). */
  public int vocabSize() {
    return vocabSize;
  }

  public OptionalInt tokenId(String token) {
    Integer id = ids.get(token);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  public OptionalInt bosTokenId() {
    return bosId < 0 ? OptionalInt.empty() : OptionalInt.of(bosId);
  }

  public OptionalInt eosTokenId() {
    return eosId < 0 ? OptionalInt.empty() : OptionalInt.of(eosId);
  }

  /** Whether the id is an added token marked special (skipped by {@code decode(ids, true)}). */
  public boolean isSpecial(int id) {
    return id >= 0 && special.get(id);
  }

  public Optional<ChatTemplate> chatTemplate() {
    return Optional.ofNullable(chatTemplate);
  }

  /** A streaming decoder for one generated sequence. */
  public Detokenizer newDetokenizer(boolean skipSpecialTokens) {
    return new Detokenizer(this, skipSpecialTokens);
  }

  @Override
  public void close() {
    impl.close();
  }

  private int idOrMinusOne(String token) {
    if (token == null) {
      return -1;
    }
    Integer id = ids.get(token);
    return id == null ? -1 : id;
  }

  private static int indexOf(long[] haystack, long[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static int[] toInts(long[] a, int from, int to) {
    int[] out = new int[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = (int) a[i];
    }
    return out;
  }
}
