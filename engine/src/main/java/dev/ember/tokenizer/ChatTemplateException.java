package dev.ember.tokenizer;

/**
 * A chat template refused the conversation ({@code raise_exception(...)} in the template) or could
 * not be rendered. Callers answer it as a client error (HTTP 400); the message is the template's.
 */
public final class ChatTemplateException extends RuntimeException {

  public ChatTemplateException(String message) {
    super(message);
  }
}
