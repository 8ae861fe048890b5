import type { CommandRunner } from './command-plan.js';
import type { AppImage } from './kind-images.js';

/**
 * An image registry prefix as docker's reference grammar allows it
 * (distribution/reference): an optional host[:port], then lower-case path
 * components. No tag, digest or scheme: the lab adds `/<app>:<tag>`.
 */
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?)`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REGISTRY = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);

/** The platform cluster images are built for unless --platform says otherwise: most node pools. */
export const DEFAULT_PLATFORM = 'linux/amd64';

/** Why `prefix` is not a registry prefix the lab can push to, or undefined when it is. */
export function registryProblem(prefix: string): string | undefined {
  if (/^[a-z]+:\/\//i.test(prefix))
    return `drop the scheme: ${prefix.replace(/^[a-z]+:\/\//i, '')}`;
  if (prefix.endsWith('/')) return `drop the trailing slash: ${prefix.replace(/\/+$/, '')}`;
  if (!REGISTRY.test(prefix)) {
    return 'not an image name prefix (host[:port]/path, lower-case path, no tag), e.g. europe-west1-docker.pkg.dev/my-project/grpc-lb-lab';
  }
  // A single component would be a Docker Hub user, which works, but a host is the usual case.
  return undefined;
}

/** docker's own platform syntax: os/arch[/variant]. */
export function platformProblem(platform: string): string | undefined {
  return /^[a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9]+)?$/.test(platform)
    ? undefined
    : `not a platform (os/arch, e.g. ${DEFAULT_PLATFORM} or linux/arm64)`;
}

/**
 * The image as pushed to `registry`: `<registry>/<app>:<hash>-<os>-<arch>`.
 * The platform is in the tag because the content hash does not cover it: an
 * arm64 build must never answer for an amd64 node pool. The manifests keep
 * naming `grpc-lb-lab/<app>`; kustomize's `images:` maps that name to this
 * one (newName, newTag).
 */
export function registryImage(image: AppImage, registry: string, platform: string): AppImage {
  const repository = `${registry}/${image.app}`;
  const tag = `${image.tag}-${platform.replaceAll('/', '-')}`;
  return { ...image, tag, ref: `${repository}:${tag}`, newName: repository, platform };
}

/**
 * For each image: nothing if the registry already has its tag (the same tag
 * means the same inputs); otherwise build it (unless this machine has it)
 * and push it. `docker manifest inspect` asks the registry without pulling.
 */
export async function pushImages(runner: CommandRunner, images: readonly AppImage[]) {
  runner.note(
    'the images, tagged with a hash of what goes into each and the platform: built and pushed unless the registry has that tag',
  );
  for (const image of images) {
    await runner.unless(
      {
        argv: ['docker', 'manifest', 'inspect', image.ref],
        what: 'the registry has that tag',
        holds: (result) => result.code === 0,
      },
      async () => {
        await runner.unless(
          {
            argv: ['docker', 'image', 'inspect', '--format', '{{.Id}}', image.ref],
            what: 'the image exists here',
            holds: (result) => result.code === 0,
          },
          async () => {
            await runner.run([
              'docker',
              'build',
              ...(image.platform ? ['--platform', image.platform] : []),
              '-f',
              image.dockerfile,
              '-t',
              image.ref,
              '.',
            ]);
          },
        );
        await runner.run(['docker', 'push', image.ref]);
      },
    );
  }
}
