import { z } from 'zod';

/**
 * The skaffold.yaml version the lab writes: skaffold 2.15 and later read it
 * (newer releases upgrade it in memory), and its JSON schema is the one these
 * definitions follow.
 */
export const SKAFFOLD_API_VERSION = 'skaffold/v4beta13';

const stringList = z.array(z.string());

const metadataSchema = z.strictObject({
  name: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const localBuildSchema = z.strictObject({
  push: z.boolean().optional(),
  tryImportMissing: z.boolean().optional(),
  useDockerCLI: z.boolean().optional(),
  useBuildkit: z.boolean().optional(),
  concurrency: z.number().int().nonnegative().optional(),
});

const dockerArtifactSchema = z.strictObject({
  dockerfile: z.string().min(1).optional(),
  target: z.string().optional(),
  buildArgs: z.record(z.string(), z.string()).optional(),
});

const artifactSchema = z.strictObject({
  image: z.string().min(1),
  context: z.string().min(1).optional(),
  docker: dockerArtifactSchema.optional(),
});

const buildSchema = z.strictObject({
  artifacts: z.array(artifactSchema).optional(),
  local: localBuildSchema.optional(),
});

const kustomizeSchema = z.strictObject({
  paths: stringList.optional(),
  buildArgs: stringList.optional(),
});

const renderSchema = z.strictObject({
  kustomize: kustomizeSchema.optional(),
});

const kubectlFlagsSchema = z.strictObject({
  global: stringList.optional(),
  apply: stringList.optional(),
  delete: stringList.optional(),
  disableValidation: z.boolean().optional(),
});

const kubectlDeploySchema = z.strictObject({
  flags: kubectlFlagsSchema.optional(),
  defaultNamespace: z.string().optional(),
});

const deploySchema = z.strictObject({
  kubectl: kubectlDeploySchema.optional(),
  statusCheck: z.boolean().optional(),
  statusCheckDeadlineSeconds: z.number().int().positive().optional(),
  tolerateFailuresUntilDeadline: z.boolean().optional(),
});

/**
 * The types PortForwardResource.resourceType documents. Its description
 * capitalises them and skaffold's examples write them in lowercase, so case is
 * not checked.
 */
const PORT_FORWARD_TYPES = [
  'service',
  'pod',
  'replicaset',
  'replicationcontroller',
  'deployment',
  'statefulset',
  'daemonset',
  'job',
  'cronjob',
];

const portSchema = z.number().int().min(1).max(65_535);

const portForwardSchema = z.strictObject({
  resourceType: z
    .string()
    .refine((type) => PORT_FORWARD_TYPES.includes(type.toLowerCase()), {
      message: `must be one of ${PORT_FORWARD_TYPES.join(', ')}`,
    })
    .optional(),
  resourceName: z.string().optional(),
  namespace: z.string().optional(),
  port: z.union([portSchema, z.string().min(1)]).optional(),
  address: z.string().optional(),
  localPort: portSchema.optional(),
});

const activationSchema = z.strictObject({
  env: z.string().optional(),
  kubeContext: z.string().optional(),
  command: z.string().optional(),
});

const pipelineFields = {
  build: buildSchema.optional(),
  manifests: renderSchema.optional(),
  deploy: deploySchema.optional(),
  portForward: z.array(portForwardSchema).optional(),
};

const profileSchema = z.strictObject({
  name: z.string().min(1),
  activation: z.array(activationSchema).optional(),
  requiresAllActivations: z.boolean().optional(),
  ...pipelineFields,
});

/**
 * The part of skaffold's skaffold/v4beta13 JSON schema that the lab's
 * skaffold.yaml uses, transcribed definition by definition (SkaffoldConfig,
 * Metadata, BuildConfig, LocalBuild, Artifact with its docker branch,
 * DockerArtifact, RenderConfig, Kustomize, DeployConfig, KubectlDeploy,
 * KubectlFlags, PortForwardResource, Profile, Activation) with the same field
 * names and types. Every object is strict, as the upstream schema's
 * `additionalProperties: false` is, so a misspelt key is an error. No npm
 * package ships that schema; a field outside this subset is refused too,
 * which means the checks here must grow with the file: add the field from the
 * upstream definition, then whatever check it needs.
 */
export const skaffoldConfigSchema = z.strictObject({
  apiVersion: z.literal(SKAFFOLD_API_VERSION),
  kind: z.literal('Config'),
  metadata: metadataSchema.optional(),
  ...pipelineFields,
  profiles: z.array(profileSchema).optional(),
});

export type SkaffoldConfig = z.infer<typeof skaffoldConfigSchema>;
export type SkaffoldProfile = z.infer<typeof profileSchema>;
export type SkaffoldArtifact = z.infer<typeof artifactSchema>;
export type SkaffoldPortForward = z.infer<typeof portForwardSchema>;
