package dev.ember.tokenizer.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ember.tokenizer.Vocabulary;

/**
 * Builds a Hugging Face {@code tokenizer.json} for a byte-level BPE {@link Vocabulary}: model BPE
 * (normal tokens and merges), pre-tokenizer Sequence[Split(regex, Isolated), ByteLevel], ByteLevel
 * decoder, and control / user-defined tokens as added tokens.
 *
 * <p>Usage: {@code String json = TokenizerJson.build(vocabulary);}
 */
public final class TokenizerJson {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private TokenizerJson() {}

  public static String build(Vocabulary v) {
    ObjectNode root = NODES.objectNode();
    root.put("version", "1.0");
    root.putNull("truncation");
    root.putNull("padding");
    ArrayNode added = root.putArray("added_tokens");
    ObjectNode vocab = NODES.objectNode();
    for (int id = 0; id < v.tokens().size(); id++) {
      int type = v.tokenTypes().get(id);
      String token = v.tokens().get(id);
      if (type == Vocabulary.TYPE_CONTROL || type == Vocabulary.TYPE_USER_DEFINED) {
        ObjectNode t = added.addObject();
        t.put("id", id);
        t.put("content", token);
        t.put("single_word", false);
        t.put("lstrip", false);
        t.put("rstrip", false);
        t.put("normalized", false);
        t.put("special", type == Vocabulary.TYPE_CONTROL);
      } else {
        vocab.put(token, id);
      }
    }
    root.putNull("normalizer");
    ObjectNode pre = root.putObject("pre_tokenizer");
    pre.put("type", "Sequence");
    ArrayNode steps = pre.putArray("pretokenizers");
    ObjectNode split = steps.addObject();
    split.put("type", "Split");
    split.putObject("pattern").put("Regex", PreTokenizerPatterns.forGgufName(v.preTokenizer()));
    split.put("behavior", "Isolated");
    split.put("invert", false);
    steps.add(byteLevel());
    root.set("post_processor", byteLevel());
    root.set("decoder", byteLevel());
    ObjectNode model = root.putObject("model");
    model.put("type", "BPE");
    model.putNull("dropout");
    model.putNull("unk_token");
    model.put("continuing_subword_prefix", "");
    model.put("end_of_word_suffix", "");
    model.put("fuse_unk", false);
    model.put("byte_fallback", false);
    model.put("ignore_merges", "llama-bpe".equals(v.preTokenizer()));
    model.set("vocab", vocab);
    ArrayNode merges = model.putArray("merges");
    v.merges().forEach(merges::add);
    try {
      return JSON.writeValueAsString(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode byteLevel() {
    ObjectNode n = NODES.objectNode();
    n.put("type", "ByteLevel");
    n.put("add_prefix_space", false);
    n.put("trim_offsets", false);
    n.put("use_regex", false);
    return n;
  }
}
