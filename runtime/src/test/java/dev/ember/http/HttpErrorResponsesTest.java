package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ember.function.FunctionException;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every error status of the API, over raw HTTP, in OpenAI's error shape. */
class HttpErrorResponsesTest {
  static DemoServer server;

  @BeforeAll
  static void start() throws Exception {
    server = DemoServer.start(HttpOptions.defaults().withHost("127.0.0.1").withPort(0).withApiKeys(List.of(DemoServer.KEY)),
        List.of(), new RefusingEndpoint("busy", FunctionException.queueFull("busy", 2)),
        new RefusingEndpoint("broken", FunctionException.unavailable("broken", "failed to load", 5)));
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static String longPrompt() {
    StringBuilder ids = new StringBuilder("[1");
    for (int i = 1; i < 5000; i++) {
      ids.append(",1");
    }
    return ids.append(']').toString();
  }

  /** path, body, status, param (null when none). */
  static Stream<Arguments> badRequests() {
    String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    return Stream.of(
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\",", 400, null),
        Arguments.of("/v1/chat/completions", "[1,2]", 400, null),
        Arguments.of("/v1/chat/completions", "", 400, null),
        Arguments.of("/v1/chat/completions", "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", 400, "model"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"}", 400, "messages"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", 400, "messages"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"n\":\"2\"}", 400, "n"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"max_tokens\":1.5}", 400, "max_tokens"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"max_tokens\":0}", 400, "max_tokens"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"top_p\":0}", 400, "top_p"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"stream\":\"yes\"}", 400, "stream"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"logit_bias\":{\"x\":1}}", 400, "logit_bias"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"logit_bias\":{\"5\":101}}", 400, "logit_bias"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"stop\":[1]}", 400, "stop"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"top_logprobs\":2}", 400, "top_logprobs"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"top_logprobs\":21,\"logprobs\":true}", 400, "top_logprobs"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"stream_options\":{\"include_usage\":true}}", 400, "stream_options"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"max_tokens\":100000}", 400, "max_tokens"),
        Arguments.of("/v1/completions", "{\"model\":\"demo\",\"prompt\":[\"a\",\"b\"]}", 400, "prompt"),
        Arguments.of("/v1/completions", "{\"model\":\"demo\",\"prompt\":\"x\",\"logprobs\":true}", 400, "logprobs"),
        Arguments.of("/v1/completions", "{\"model\":\"demo\",\"prompt\":\"x\",\"min_tokens\":5,\"max_tokens\":2}", 400, "min_tokens"),
        Arguments.of("/detokenize", "{\"model\":\"demo\",\"tokens\":[-1]}", 400, "tokens"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"tools\":[{\"type\":\"function\","
            + "\"function\":{\"name\":\"f\",\"parameters\":{}}}]}", 400, "tools"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"tool_choice\":\"auto\"}", 400, "tool_choice"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"response_format\":{\"type\":\"json_object\"}}",
            400, "response_format"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"response_format\":{\"type\":\"json_schema\","
            + "\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"object\"}}}}", 400, "response_format"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"continue_final_message\":true}", 400,
            "continue_final_message"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"functions\":[{\"name\":\"f\"}]}", 400, "functions"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"guided_json\":{}}", 400, "guided_json"),
        Arguments.of("/v1/chat/completions", "{\"model\":\"demo\"," + msgs + ",\"echo\":true}", 400, "echo"),
        Arguments.of("/v1/completions", "{\"model\":\"demo\",\"prompt\":\"x\",\"suffix\":\"end\"}", 400, "suffix"),
        Arguments.of("/v1/completions", "{\"model\":\"demo\",\"prompt\":\"x\",\"best_of\":3}", 400, "best_of"),
        Arguments.of("/v1/completions", "{\"model\":\"demo\",\"prompt\":\"x\",\"use_beam_search\":true}", 400, "use_beam_search"),
        Arguments.of("/v1/completions", "{\"model\":\"demo\",\"prompt\":\"x\",\"prompt_logprobs\":1}", 400, "prompt_logprobs"),
        Arguments.of("/v1/completions", "{\"model\":\"demo\",\"prompt\":\"x\",\"response_format\":{\"type\":\"json_object\"}}",
            400, "response_format"));
  }

  @ParameterizedTest(name = "{0} {1} -> {2} param={3}")
  @MethodSource("badRequests")
  void invalidRequestsAreRejectedNamingTheField(String path, String body, int status, String param) throws Exception {
    HttpResponse<String> r = server.post(path, body);
    JsonObject error = errorOf(r, status);
    assertEquals("invalid_request_error", error.getString("type"));
    assertEquals(param, error.getString("param"), error.getString("message"));
  }

  @Test
  void promptLongerThanTheContextSaysHowLong() throws Exception {
    JsonObject error = errorOf(server.post("/v1/completions", "{\"model\":\"demo\",\"prompt\":" + longPrompt() + "}"), 400);
    assertTrue(error.getString("message").contains("5000"), error.getString("message"));
    assertEquals("prompt", error.getString("param"));
    assertEquals("context_length_exceeded", error.getString("code"));
  }

  @Test
  void chatPromptLongerThanTheContextNamesMessages() throws Exception {
    String content = "word ".repeat(5000);
    JsonObject error = errorOf(server.post("/v1/chat/completions", "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\","
        + "\"content\":\"" + content + "\"}]}"), 400);
    assertEquals("messages", error.getString("param"));
    assertEquals("context_length_exceeded", error.getString("code"));
  }

  @Test
  void noOpValuesOfUnsupportedFieldsAreAccepted() throws Exception {
    HttpResponse<String> r = server.post("/v1/chat/completions", "{\"model\":\"demo\",\"max_tokens\":2,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"text\"},"
        + "\"tools\":[],\"tool_choice\":\"none\",\"continue_final_message\":false,\"best_of\":1}");
    assertEquals(200, r.statusCode(), r.body());
  }

  @ParameterizedTest(name = "GET {0} -> 405")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"/v1/chat/completions", "/v1/completions", "/tokenize",
      "/functions/demo/invoke"})
  void getOnAPostRouteIsMethodNotAllowed(String path) throws Exception {
    HttpResponse<String> r = server.get(path);
    assertEquals("method_not_allowed", errorOf(r, 405).getString("code"));
    assertEquals("POST", r.headers().firstValue("Allow").orElseThrow());
  }

  @Test
  void unknownFieldsAreIgnored() throws Exception {
    HttpResponse<String> r = server.post("/v1/completions",
        "{\"model\":\"demo\",\"prompt\":\"hi\",\"max_tokens\":2,\"user\":\"u1\",\"frobnicate\":{\"a\":[1]}}");
    assertEquals(200, r.statusCode(), r.body());
  }

  @Test
  void missingApiKeyIsUnauthorized() throws Exception {
    HttpResponse<String> r = server.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/models")).GET());
    assertEquals("invalid_api_key", errorOf(r, 401).getString("code"));
  }

  @Test
  void unknownModelIsNotFound() throws Exception {
    HttpResponse<String> r = server.post("/v1/completions", "{\"model\":\"nope\",\"prompt\":\"hi\"}");
    assertEquals("model", errorOf(r, 404).getString("param"));
  }

  @Test
  void unknownRouteIsJsonNotFound() throws Exception {
    errorOf(server.get("/v1/nothing-here"), 404);
  }

  @Test
  void oversizeBodyIsTooLarge() throws Exception {
    String big = "{\"model\":\"demo\",\"prompt\":\"" + "a".repeat((int) HttpOptions.DEFAULT_BODY_LIMIT_BYTES) + "\"}";
    JsonObject error = errorOf(server.post("/v1/completions", big), 413);
    assertEquals("request_too_large", error.getString("code"));
    assertTrue(error.getString("message").contains(Long.toString(HttpOptions.DEFAULT_BODY_LIMIT_BYTES)),
        error.getString("message"));
  }

  @Test
  void fullQueueIsTooManyRequestsWithRetryAfter() throws Exception {
    HttpResponse<String> r = server.post("/v1/completions", "{\"model\":\"busy\",\"prompt\":\"hi\"}");
    assertEquals("queue_full", errorOf(r, 429).getString("code"));
    assertEquals("2", r.headers().firstValue("Retry-After").orElseThrow());
  }

  @Test
  void failedFunctionIsUnavailableWithRetryAfter() throws Exception {
    HttpResponse<String> r = server.post("/v1/chat/completions",
        "{\"model\":\"broken\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertEquals("service_unavailable", errorOf(r, 503).getString("type"));
    assertEquals("5", r.headers().firstValue("Retry-After").orElseThrow());
  }

  static JsonObject errorOf(HttpResponse<String> r, int status) {
    assertEquals(status, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("application/json"));
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertTrue(error.containsKey("message") && error.containsKey("type") && error.containsKey("param")
        && error.containsKey("code"), r.body());
    return error;
  }
}
