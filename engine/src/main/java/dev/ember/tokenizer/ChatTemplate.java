package dev.ember.tokenizer;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import dev.ember.tokenizer.internal.PythonMethods;
import dev.ember.tokenizer.internal.TemplateFunctions;
import dev.ember.tokenizer.internal.TemplateSource;
import dev.ember.tokenizer.internal.ToJsonFilter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template (Jinja2) rendered with Jinjava set up like transformers'
 * {@code apply_chat_template}: trim_blocks and lstrip_blocks on, no trailing newline kept,
 * {@code bos_token}/{@code eos_token}/{@code messages}/{@code add_generation_prompt} in scope,
 * Python string methods and extended slices, {@code raise_exception}, {@code strftime_now},
 * {@code namespace} and a Python-compatible {@code tojson}. Thread-safe.
 *
 * <p>Usage:
 * <pre>{@code
 * String prompt = template.render(List.of(Map.of("role", "user", "content", "Hi")), true, Map.of());
 * }</pre>
 */
public final class ChatTemplate {

  private final String source;
  private final String prepared;
  private final Map<String, Object> defaults;
  private final Jinjava jinjava;

  private ChatTemplate(String source, Map<String, Object> defaults) {
    this.source = source;
    this.prepared = TemplateSource.prepare(source);
    this.defaults = defaults;
    CompositeELResolver resolver = new CompositeELResolver();
    resolver.add(new PythonMethods());
    resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
    this.jinjava = new Jinjava(JinjavaConfig.newBuilder()
        .withTrimBlocks(false) // TemplateSource applies Jinja2's trimming itself
        .withLstripBlocks(false)
        .withNestedInterpretationEnabled(false)
        .withFailOnUnknownTokens(false)
        .withElResolver(resolver)
        .build());
    jinjava.getGlobalContext().registerFilter(new ToJsonFilter());
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class, "raise_exception", String.class));
    jinjava.getGlobalContext().registerFunction(
        new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftime_now", String.class));
  }

  /** A template with the special-token texts it sees as {@code bos_token} and {@code eos_token} (null: absent). */
  public static ChatTemplate of(String source, String bosToken, String eosToken) {
    Map<String, Object> defaults = new HashMap<>();
    if (bosToken != null) {
      defaults.put("bos_token", bosToken);
    }
    if (eosToken != null) {
      defaults.put("eos_token", eosToken);
    }
    return new ChatTemplate(source, Map.copyOf(defaults));
  }

  /** The template text as published. */
  public String source() {
    return source;
  }

  public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
    return render(messages, addGenerationPrompt, Map.of());
  }

  /**
   * Renders a conversation. {@code variables} adds or overrides template variables (e.g.
   * {@code tools}, {@code enable_thinking}).
   *
   * @throws ChatTemplateException when the template raises or cannot be rendered
   */
  public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
    Map<String, Object> scope = new HashMap<>(defaults);
    scope.putAll(variables);
    scope.put("messages", messages);
    scope.put("add_generation_prompt", addGenerationPrompt);
    RenderResult result;
    try {
      result = jinjava.renderForResult(prepared, scope);
    } catch (ChatTemplateException e) {
      throw e;
    } catch (RuntimeException e) {
      throw raised(e).orElseGet(() -> new ChatTemplateException("chat template failed: " + e.getMessage()));
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw raised(error.getException())
            .orElseGet(() -> new ChatTemplateException("chat template failed: " + error.getMessage()));
      }
    }
    return result.getOutput();
  }

  /** The ChatTemplateException thrown by raise_exception somewhere in a cause chain. */
  private static java.util.Optional<ChatTemplateException> raised(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ChatTemplateException e) {
        return java.util.Optional.of(e);
      }
    }
    return java.util.Optional.empty();
  }
}
