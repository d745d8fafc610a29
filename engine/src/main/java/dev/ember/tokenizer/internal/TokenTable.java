package dev.ember.tokenizer.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The token-to-id map and special-token set of a {@code tokenizer.json}, read with a streaming
 * parser that skips the merges (most of a large file). Covers BPE/WordPiece vocab objects, Unigram
 * vocab arrays and {@code added_tokens}.
 *
 * <p>Usage: {@code TokenTable table = TokenTable.parse(json); Integer id = table.ids().get("<s>");}
 *
 * @param ids token text to id
 * @param special ids of added tokens marked special
 * @param size largest id plus one
 */
public record TokenTable(Map<String, Integer> ids, BitSet special, int size) {

  private static final JsonFactory FACTORY = new JsonFactory();

  public static TokenTable parse(String tokenizerJson) throws IOException {
    Map<String, Integer> ids = new HashMap<>(1 << 16);
    BitSet special = new BitSet();
    int[] maxId = {-1};
    try (JsonParser p = FACTORY.createParser(tokenizerJson)) {
      expect(p.nextToken(), JsonToken.START_OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if ("model".equals(field) && value == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String modelField = p.currentName();
            JsonToken v = p.nextToken();
            if ("vocab".equals(modelField) && v == JsonToken.START_OBJECT) {
              while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                p.nextToken();
                put(ids, maxId, token, p.getIntValue());
              }
            } else if ("vocab".equals(modelField) && v == JsonToken.START_ARRAY) {
              int id = 0;
              while (p.nextToken() == JsonToken.START_ARRAY) { // [piece, score]
                p.nextToken();
                put(ids, maxId, p.getText(), id++);
                p.skipChildren();
                while (p.currentToken() != JsonToken.END_ARRAY) {
                  p.nextToken();
                }
              }
            } else {
              p.skipChildren();
            }
          }
        } else if ("added_tokens".equals(field) && value == JsonToken.START_ARRAY) {
          while (p.nextToken() == JsonToken.START_OBJECT) {
            String content = null;
            int id = -1;
            boolean isSpecial = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String name = p.currentName();
              p.nextToken();
              switch (name) {
                case "id" -> id = p.getIntValue();
                case "content" -> content = p.getText();
                case "special" -> isSpecial = p.getBooleanValue();
                default -> p.skipChildren();
              }
            }
            if (content != null && id >= 0) {
              put(ids, maxId, content, id);
              if (isSpecial) {
                special.set(id);
              }
            }
          }
        } else {
          p.skipChildren();
        }
      }
    }
    return new TokenTable(ids, special, maxId[0] + 1);
  }

  private static void put(Map<String, Integer> ids, int[] maxId, String token, int id) {
    ids.put(token, id);
    maxId[0] = Math.max(maxId[0], id);
  }

  private static void expect(JsonToken actual, JsonToken expected) throws IOException {
    if (actual != expected) {
      throw new IOException("tokenizer.json: expected " + expected + " but found " + actual);
    }
  }
}
