package dev.ember.tokenizer.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The fields of a Hugging Face {@code tokenizer_config.json} the tokenizer uses. Special tokens
 * may be plain strings or AddedToken objects with a {@code content} field.
 *
 * @param chatTemplate the default chat template, or null
 * @param bosToken BOS token text, or null
 * @param eosToken EOS token text, or null
 * @param addBosToken explicit add_bos_token, or null when absent (tokenizer.json decides)
 * @param addEosToken explicit add_eos_token, or null when absent
 */
public record TokenizerConfig(
    String chatTemplate, String bosToken, String eosToken, Boolean addBosToken, Boolean addEosToken) {

  public static final TokenizerConfig EMPTY = new TokenizerConfig(null, null, null, null, null);

  public static TokenizerConfig parse(JsonNode root) {
    return new TokenizerConfig(
        template(root.get("chat_template")),
        tokenText(root.get("bos_token")),
        tokenText(root.get("eos_token")),
        flag(root.get("add_bos_token")),
        flag(root.get("add_eos_token")));
  }

  private static String template(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual()) {
      return node.asText();
    }
    // A list of named templates: the one named "default".
    for (JsonNode named : node) {
      if ("default".equals(named.path("name").asText())) {
        return named.path("template").asText();
      }
    }
    return null;
  }

  private static String tokenText(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    return node.isTextual() ? node.asText() : node.path("content").asText(null);
  }

  private static Boolean flag(JsonNode node) {
    return node == null || node.isNull() ? null : node.asBoolean();
  }
}
