package dev.ember.cluster.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ember.engine.RequestOutput;
import dev.ember.function.FunctionException;
import dev.ember.function.InferenceRequest;
import dev.ember.function.Prompt;
import dev.ember.sample.SamplingParams;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The wire form of a forwarded request and its answer between replicas: the request as JSON (the
 * prompt as token ids when the receiving replica tokenized it, otherwise as it came), then the
 * serving replica's outputs as newline-delimited JSON, each a {@link RequestOutput} field for field, so
 * the entry replica renders exactly what a local request would. A refusal is the
 * {@link FunctionException} as JSON.
 */
public final class ForwardCodec {
  private static final ObjectMapper JSON = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private ForwardCodec() {}

  public static Buffer encodeRequest(InferenceRequest r) {
    JsonObject prompt = switch (r.prompt()) {
      case Prompt.Tokens t -> new JsonObject().put("tokens", ids(t.ids()));
      case Prompt.Text t -> new JsonObject().put("text", t.text());
      case Prompt.Chat c -> new JsonObject().put("messages", new JsonArray(new ArrayList<>(c.messages())))
          .put("addGenerationPrompt", c.addGenerationPrompt())
          .put("templateVariables", new JsonObject(Map.copyOf(c.templateVariables())));
    };
    try {
      return new JsonObject().put("requestId", r.requestId()).put("function", r.function()).put("prompt", prompt)
          .put("params", new JsonObject(JSON.writeValueAsString(r.params()))).put("cacheSalt", r.cacheSalt())
          .put("priority", r.priority()).toBuffer();
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode sampling parameters", e);
    }
  }

  public static InferenceRequest decodeRequest(Buffer body) {
    JsonObject j = body.toJsonObject();
    JsonObject p = j.getJsonObject("prompt");
    Prompt prompt;
    if (p.containsKey("tokens")) {
      JsonArray a = p.getJsonArray("tokens");
      int[] ids = new int[a.size()];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = a.getInteger(i);
      }
      prompt = new Prompt.Tokens(ids);
    } else if (p.containsKey("text")) {
      prompt = new Prompt.Text(p.getString("text"));
    } else {
      List<Map<String, Object>> messages = new ArrayList<>();
      for (Object m : p.getJsonArray("messages")) {
        messages.add(((JsonObject) m).getMap());
      }
      prompt = new Prompt.Chat(messages, p.getBoolean("addGenerationPrompt"),
          p.getJsonObject("templateVariables").getMap());
    }
    SamplingParams params;
    try {
      params = JSON.readValue(j.getJsonObject("params").encode(), SamplingParams.class);
    } catch (IOException e) {
      throw new IllegalArgumentException("bad forwarded sampling parameters: " + e.getMessage(), e);
    }
    return new InferenceRequest(j.getString("requestId"), j.getString("function"), prompt, params,
        j.getString("cacheSalt"), j.getInteger("priority", 0));
  }

  /** The first line of an accepted forward: the prompt's token count. */
  public static Buffer accepted(int promptTokens) {
    return Buffer.buffer("{\"accepted\":" + promptTokens + "}\n");
  }

  public static Buffer encodeOutput(RequestOutput out) {
    try {
      return Buffer.buffer(JSON.writeValueAsBytes(out)).appendByte((byte) '\n');
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode an output", e);
    }
  }

  public static RequestOutput decodeOutput(Buffer line) {
    try {
      return JSON.readValue(line.getBytes(), RequestOutput.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Buffer encodeError(FunctionException e) {
    return new JsonObject().put("status", e.status()).put("type", e.type()).put("code", e.code())
        .put("param", e.param()).put("retryAfter", e.retryAfterSeconds()).put("message", e.getMessage()).toBuffer();
  }

  public static FunctionException decodeError(int status, Buffer body) {
    try {
      JsonObject j = body.toJsonObject();
      return new FunctionException(j.getInteger("status", status), j.getString("type"), j.getString("code"),
          j.getString("param"), j.getInteger("retryAfter"), j.getString("message"));
    } catch (RuntimeException e) {
      return new FunctionException(status, "internal_error", null, null, null,
          "peer answered " + status + ": " + body.toString());
    }
  }

  private static JsonArray ids(int[] ids) {
    JsonArray a = new JsonArray(new ArrayList<>(ids.length));
    for (int id : ids) {
      a.add(id);
    }
    return a;
  }
}
