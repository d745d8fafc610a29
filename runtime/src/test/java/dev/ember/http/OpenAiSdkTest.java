package dev.ember.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java SDK against a real Ember server over the demo model. */
class OpenAiSdkTest {
  static DemoServer server;
  static OpenAIClient client;

  @BeforeAll
  static void start() throws Exception {
    server = DemoServer.start();
    client = client(DemoServer.KEY);
  }

  @AfterAll
  static void stop() throws Exception {
    server.close();
  }

  static OpenAIClient client(String key) {
    return OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey(key).maxRetries(0)
        .timeout(Duration.ofSeconds(60)).build();
  }

  static ChatCompletionCreateParams.Builder chat(int maxTokens) {
    return ChatCompletionCreateParams.builder().model("demo").addUserMessage("Tell me a story")
        .maxCompletionTokens(maxTokens).putAdditionalBodyProperty("ignore_eos", JsonValue.from(true));
  }

  static CompletionCreateParams.Builder completion(int maxTokens) {
    return CompletionCreateParams.builder().model("demo").prompt("Once upon a time").maxTokens(maxTokens)
        .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true));
  }

  @Test
  void chatCompletionHasOpenAisShapeAndUsage() {
    ChatCompletion c = client.chat().completions().create(chat(10).temperature(0.0).build());
    assertTrue(c.id().startsWith("chatcmpl-"));
    assertEquals("demo", c.model());
    assertEquals(1, c.choices().size());
    ChatCompletion.Choice choice = c.choices().get(0);
    assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, choice.finishReason());
    assertFalse(choice.message().content().orElseThrow().isEmpty());
    assertEquals(10, c.usage().orElseThrow().completionTokens());
    assertEquals(c.usage().get().promptTokens() + 10, c.usage().get().totalTokens());
  }

  @Test
  void completionReturnsTextCompletion() {
    Completion c = client.completions().create(completion(7).temperature(0.0).build());
    assertTrue(c.id().startsWith("cmpl-"));
    assertEquals(1, c.choices().size());
    assertFalse(c.choices().get(0).text().isEmpty());
    assertEquals(7, c.usage().orElseThrow().completionTokens());
  }

  @Test
  void nGreaterThanOneReturnsEveryChoiceInIndexOrder() {
    ChatCompletion c = client.chat().completions().create(chat(5).n(3).build());
    assertEquals(3, c.choices().size());
    for (int i = 0; i < 3; i++) {
      assertEquals(i, c.choices().get(i).index());
    }
    assertEquals(15, c.usage().orElseThrow().completionTokens());
  }

  @Test
  void sameSeedGivesSameSample() {
    String a = client.completions().create(completion(12).temperature(1.0).seed(7).build()).choices().get(0).text();
    String b = client.completions().create(completion(12).temperature(1.0).seed(7).build()).choices().get(0).text();
    assertEquals(a, b);
  }

  @Test
  void stopStringEndsTheTextBeforeIt() {
    String full = client.completions().create(completion(24).temperature(0.0).build()).choices().get(0).text();
    assertTrue(full.length() > 6, "greedy text long enough to pick a stop string from: " + full);
    String stop = full.substring(4, 6);
    Completion c = client.completions().create(completion(24).temperature(0.0)
        .stop(CompletionCreateParams.Stop.ofString(stop)).build());
    assertEquals(full.substring(0, full.indexOf(stop)), c.choices().get(0).text());
    assertEquals(com.openai.models.completions.CompletionChoice.FinishReason.STOP, c.choices().get(0).finishReason());
  }

  @Test
  void streamedChatCarriesRoleFirstThenContentAndUsage() {
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat(8).temperature(0.0)
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
      s.stream().forEach(chunks::add);
    }
    assertEquals("assistant", chunks.get(0).choices().get(0).delta().role().orElseThrow().asString());
    StringBuilder text = new StringBuilder();
    chunks.stream().flatMap(c -> c.choices().stream()).forEach(ch -> ch.delta().content().ifPresent(text::append));
    String unary = client.chat().completions().create(chat(8).temperature(0.0).build()).choices().get(0).message()
        .content().orElseThrow();
    assertEquals(unary, text.toString());
    ChatCompletionChunk last = chunks.get(chunks.size() - 1);
    assertTrue(last.choices().isEmpty());
    assertEquals(8, last.usage().orElseThrow().completionTokens());
  }

  @Test
  void chatLogprobsNameEachTokenWithItsAlternatives() {
    ChatCompletion c = client.chat().completions().create(chat(4).temperature(0.0).logprobs(true).topLogprobs(3).build());
    var content = c.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
    assertEquals(4, content.size());
    assertEquals(c.choices().get(0).message().content().orElseThrow(),
        String.join("", content.stream().map(t -> t.token()).toList()));
    assertEquals(3, content.get(0).topLogprobs().size());
    assertNotNull(content.get(0).bytes().orElseThrow());
  }

  @Test
  void modelsListTheDemoFunction() {
    List<Model> models = client.models().list().data();
    assertEquals(List.of("demo"), models.stream().map(Model::id).toList());
    assertEquals("ember", models.get(0).ownedBy());
  }

  @Test
  void unknownModelIsNotFound() {
    NotFoundException e = assertThrows(NotFoundException.class,
        () -> client.chat().completions().create(chat(4).model("nope").build()));
    assertEquals(404, e.statusCode());
    assertEquals("model_not_found", e.code().orElseThrow());
  }

  @Test
  void wrongApiKeyIsUnauthorized() {
    UnauthorizedException e = assertThrows(UnauthorizedException.class,
        () -> client("wrong").chat().completions().create(chat(4).build()));
    assertEquals(401, e.statusCode());
  }

  @Test
  void temperatureOutOfRangeIsBadRequestNamingIt() {
    BadRequestException e = assertThrows(BadRequestException.class,
        () -> client.chat().completions().create(chat(4).temperature(3.0).build()));
    assertEquals(400, e.statusCode());
    assertEquals("temperature", e.param().orElseThrow());
  }
}
