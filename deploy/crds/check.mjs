// Validates custom resources against their operators' CRD schemas (the compiled validators
// of @kubernetes-models/*). Reads a JSON array of objects on stdin; writes, as JSON, one list
// of problems per object ({path, message}), or null for a kind it has no schema for.
import * as cnpg from "@kubernetes-models/cloudnative-pg/postgresql.cnpg.io/v1";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const MODELS = {
  "postgresql.cnpg.io/v1": cnpg,
  "keda.sh/v1alpha1": keda,
  "monitoring.coreos.com/v1": monitoring,
};

function problems(object) {
  const model = MODELS[object.apiVersion]?.[object.kind];
  if (typeof model !== "function") return null;
  try {
    new model(object).validate();
    return [];
  } catch (error) {
    const found = error.errors ?? [{ instancePath: "", message: error.message }];
    return found.map((e) => ({
      path: e.instancePath.replace(/^\//, "").replaceAll("/", "."),
      message: e.params?.additionalProperty
        ? `${e.message}: ${e.params.additionalProperty}`
        : e.params?.allowedValues
          ? `${e.message}: ${e.params.allowedValues.join(", ")}`
          : e.message,
    }));
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const objects = JSON.parse(Buffer.concat(chunks).toString("utf8"));
process.stdout.write(JSON.stringify(objects.map(problems)));
