// schema-flagger.mjs: the shape of Flagger's Canary (flagger.app/v1beta1) as
// manifests/integrations/flagger uses it, for schema.mjs. No npm package
// models Flagger, so this project keeps its own, written from Flagger's API
// documentation (docs.flagger.app: "How it works", "Webhooks", "Metrics").
//
// Deliberately partial: the fields of the example and the few a copy of it
// would set next (weights, iterations, metrics). A field Flagger has and
// this file lacks is refused as unknown, as a misspelt one is: add it here,
// with the type Flagger's Go API gives it. Counts are Go ints there, so they
// are integers here, stricter than the CRD's "number" (a 1.5 passes the API
// server and fails in the controller).
//
// The notation (checked by schema.mjs shapeCheck):
//   "string" "integer" "number" "boolean"    a JSON type
//   "int-or-string"                           a port number or name
//   "ObjectMeta"                              kubernetes-models' ObjectMeta
//   { enum: [...] }                           one of these strings
//   { pattern: RE, says: TEXT }               a string matching RE
//   { array: T }   { map: T }                 a list of T; string keys to T
//   { fields: { NAME: T }, required: [...] }  an object with only these fields

// Flagger's durations: a whole number of seconds or minutes ("30s", "1m").
const DURATION = { pattern: /^[0-9]+(s|m)$/, says: "a whole number of seconds or minutes, e.g. 30s or 1m" };
const REF = (kinds) => ({
  fields: { apiVersion: "string", kind: { enum: kinds }, name: "string" },
  required: ["apiVersion", "kind", "name"],
});

// The routers Flagger drives (its "provider" field); kubernetes is Flagger
// without a mesh: blue/green by Services, no traffic weights.
const PROVIDERS = [
  "apisix", "appmesh", "appmesh:v1beta2", "contour", "gatewayapi:v1", "gatewayapi:v1beta1", "gloo", "istio",
  "knative", "kubernetes", "kuma", "linkerd", "nginx", "osm", "skipper", "smi:v1alpha1", "smi:v1alpha2",
  "smi:v1alpha3", "traefik",
];

// When Flagger calls a webhook; "" or none is "rollout".
const HOOKS = [
  "", "confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase", "confirm-promotion",
  "post-rollout", "rollback", "event",
];

const WEBHOOK = {
  fields: {
    name: "string",
    type: { enum: HOOKS },
    url: { pattern: /^https?:\/\/[^\s/]+/, says: "an http:// or https:// URL" },
    // Flagger's HTTP client gives up after this long (10s when unset).
    timeout: DURATION,
    // Flagger retries a failed call (a 5xx included) this many times.
    retries: "integer",
    muteAlert: "boolean",
    disableTLS: "boolean",
    // Sent to the webhook as is; the loadtester reads type and cmd.
    metadata: { map: "string" },
  },
  required: ["name", "url"],
};

const METRIC = {
  fields: {
    name: "string",
    interval: DURATION,
    thresholdRange: { fields: { min: "number", max: "number" } },
    query: "string",
    templateRef: { fields: { name: "string", namespace: "string" }, required: ["name"] },
    templateVariables: { map: "string" },
  },
  required: ["name"],
};

export const CANARY = {
  fields: {
    apiVersion: "string",
    kind: "string",
    metadata: "ObjectMeta",
    spec: {
      fields: {
        provider: { enum: PROVIDERS },
        targetRef: REF(["Deployment", "DaemonSet", "Service"]),
        autoscalerRef: REF(["HorizontalPodAutoscaler", "ScaledObject"]),
        progressDeadlineSeconds: "integer",
        skipAnalysis: "boolean",
        suspend: "boolean",
        revertOnDeletion: "boolean",
        service: {
          fields: {
            name: "string",
            port: "integer",
            portName: "string",
            targetPort: "int-or-string",
            portDiscovery: "boolean",
            gateways: { array: "string" },
            hosts: { array: "string" },
          },
          required: ["port"],
        },
        analysis: {
          fields: {
            interval: DURATION,
            threshold: "integer",
            iterations: "integer",
            maxWeight: "integer",
            stepWeight: "integer",
            stepWeights: { array: "integer" },
            metrics: { array: METRIC },
            webhooks: { array: WEBHOOK },
          },
        },
      },
      required: ["targetRef", "analysis"],
    },
  },
  required: ["apiVersion", "kind", "metadata", "spec"],
};
