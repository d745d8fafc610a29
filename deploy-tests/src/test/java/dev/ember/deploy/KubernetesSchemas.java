package dev.ember.deploy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Validates rendered Kubernetes objects against the official schema of their kind and version, with
 * unknown fields rejected (as the API server does under strict field validation, kubectl's default):
 * <ul>
 *   <li>built-in kinds ({@code v1}, {@code apps/v1}, {@code autoscaling/v2}, {@code policy/v1}, ...) with the
 *       models of the official Kubernetes Java client ({@code io.kubernetes:client-java-api} from Maven
 *       Central), which are generated from Kubernetes' OpenAPI spec and check field names and required fields;</li>
 *   <li>custom resources (KEDA, the KEDA HTTP add-on, Knative Serving, the Prometheus operator) with the
 *       {@code openAPIV3Schema} of the projects' own CRDs, vendored under {@code k8s/schemas/} because no Maven
 *       Central artifact carries them; objects in them are closed ({@code additionalProperties: false})
 *       unless the CRD preserves unknown fields, which is how the API server prunes them.</li>
 * </ul>
 *
 * <pre>{@code List<String> errors = KubernetesSchemas.load().validate(object); }</pre>
 */
final class KubernetesSchemas {
  private static final String MODELS = "io.kubernetes.client.openapi.models.";

  private final Map<String, Validator> customResources;

  private KubernetesSchemas(Map<String, Validator> customResources) {
    this.customResources = customResources;
  }

  /** Reads every CRD under k8s/schemas. */
  static KubernetesSchemas load() throws IOException {
    Map<String, Validator> validators = new HashMap<>();
    try (Stream<Path> files = Files.list(RepositoryFiles.file("k8s/schemas"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (JsonNode doc : RepositoryFiles.yamlDocuments(RepositoryFiles.text(f))) {
          if (!"CustomResourceDefinition".equals(doc.path("kind").asText())) {
            continue;
          }
          String group = doc.path("spec").path("group").asText();
          String kind = doc.path("spec").path("names").path("kind").asText();
          for (JsonNode version : doc.path("spec").path("versions")) {
            JsonNode schema = version.path("schema").path("openAPIV3Schema");
            if (schema.isObject()) {
              JsonObject closed = closeObjects(jsonObject(schema));
              validators.put(key(group + "/" + version.path("name").asText(), kind), Validator.create(JsonSchema.of(closed),
                  new JsonSchemaOptions().setDraft(Draft.DRAFT7).setBaseUri("https://schemas.ember.invalid/")
                      .setOutputFormat(OutputFormat.Basic)));
            }
          }
        }
      }
    }
    return new KubernetesSchemas(validators);
  }

  /** The apiVersion/kind pairs with a vendored CRD schema. */
  java.util.Set<String> customKinds() {
    return customResources.keySet();
  }

  /** Problems of {@code object} against its kind's schema; empty when it is valid. */
  List<String> validate(JsonNode object) {
    String apiVersion = object.path("apiVersion").asText();
    String kind = object.path("kind").asText();
    String name = apiVersion + " " + kind + " " + object.path("metadata").path("name").asText();
    List<String> errors = new ArrayList<>();
    Validator crd = customResources.get(key(apiVersion, kind));
    if (crd != null) {
      OutputUnit result = crd.validate(jsonObject(object));
      if (!result.getValid()) {
        for (OutputUnit e : result.getErrors() == null ? List.<OutputUnit>of() : result.getErrors()) {
          errors.add(name + ": " + e.getInstanceLocation() + ": " + e.getError());
        }
        if (errors.isEmpty()) {
          errors.add(name + ": " + result.getError());
        }
      }
      official("V1ObjectMeta", object.path("metadata"), name + " metadata", errors);
      return errors;
    }
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    if (!group.isEmpty() && group.contains(".") && !group.endsWith(".k8s.io")) {
      errors.add(name + ": no schema for this custom resource under k8s/schemas");
      return errors;
    }
    String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
    official(version.substring(0, 1).toUpperCase(Locale.ROOT) + version.substring(1) + kind, object, name, errors);
    return errors;
  }

  private static void official(String model, JsonNode object, String name, List<String> errors) {
    Method check;
    try {
      check = Class.forName(MODELS + model).getMethod("validateJsonElement", JsonElement.class);
    } catch (ReflectiveOperationException e) {
      errors.add(name + ": the Kubernetes API has no " + model);
      return;
    }
    try {
      check.invoke(null, JsonParser.parseString(object.toString()));
    } catch (InvocationTargetException e) {
      errors.add(name + ": " + e.getCause().getMessage());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonObject jsonObject(JsonNode node) {
    return new JsonObject(RepositoryFiles.JSON.convertValue(node, new TypeReference<Map<String, Object>>() { }));
  }

  private static String key(String apiVersion, String kind) {
    return apiVersion + " " + kind;
  }

  /**
   * The CRD schema as JSON Schema: objects with declared properties take no others (unless
   * {@code x-kubernetes-preserve-unknown-fields}), and {@code nullable} admits null.
   */
  static JsonObject closeObjects(JsonObject schema) {
    if (schema.containsKey("properties") && !schema.containsKey("additionalProperties")
        && !schema.getBoolean("x-kubernetes-preserve-unknown-fields", false)) {
      schema.put("additionalProperties", false);
    }
    if (schema.getBoolean("nullable", false) && schema.getValue("type") instanceof String t) {
      schema.put("type", new JsonArray().add(t).add("null"));
    }
    JsonObject properties = schema.getJsonObject("properties");
    if (properties != null) {
      for (String p : properties.fieldNames()) {
        closeObjects(properties.getJsonObject(p));
      }
    }
    if (schema.getValue("items") instanceof JsonObject items) {
      closeObjects(items);
    }
    if (schema.getValue("additionalProperties") instanceof JsonObject additional) {
      closeObjects(additional);
    }
    for (String combinator : List.of("allOf", "anyOf", "oneOf")) {
      JsonArray list = schema.getJsonArray(combinator);
      if (list != null) {
        list.forEach(s -> closeObjects((JsonObject) s));
      }
    }
    return schema;
  }
}
