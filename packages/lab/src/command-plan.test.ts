import { describe, expect, it } from 'vitest';
import {
  CommandError,
  type Probe,
  PlanRecorder,
  renderPlan,
  shellLine,
  shellQuote,
} from './command-plan.js';

const listed: Probe = {
  argv: ['kind', 'get', 'clusters'],
  what: 'the output lists grpc-lb',
  holds: () => {
    throw new Error('a plan never runs a probe');
  },
};

describe('shellQuote', () => {
  it('leaves plain arguments bare and quotes the rest so a shell reads them back', () => {
    expect(shellLine(['kubectl', '--context', 'kind-grpc-lb', 'scale', '--replicas=5'])).toBe(
      'kubectl --context kind-grpc-lb scale --replicas=5',
    );
    expect(shellQuote('app.kubernetes.io/component!=client')).toBe(
      "'app.kubernetes.io/component!=client'",
    );
    expect(shellQuote('--for=jsonpath={.status.ready}=1')).toBe(
      "'--for=jsonpath={.status.ready}=1'",
    );
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });
});

describe('PlanRecorder', () => {
  it('records commands in order, runs no probe, and puts guarded commands under it', async () => {
    const plan = new PlanRecorder();
    plan.stage('step 2: deploy');
    plan.note('the cluster');
    await plan.unless(listed, async () => {
      await plan.run(['kind', 'create', 'cluster', '--name', 'grpc-lb']);
    });
    await plan.when({ ...listed, what: 'it is there' }, async () => {
      await plan.run(['kind', 'delete', 'cluster']);
    });
    await plan.writeFile('.lab/kind/x/kustomization.yaml', 'kind: Kustomization\n');
    const stream = plan.stream(['kubectl', 'logs', '-f', 'job/client-a']);
    await stream.stop();
    let polled = false;
    await plan.waitUntil(
      'it is done',
      () => {
        polled = true;
        return false;
      },
      60_000,
    );
    expect(polled).toBe(false);
    expect(plan.live).toBe(false);
    expect(renderPlan(plan.entries)).toBe(
      [
        '## step 2: deploy',
        '# the cluster',
        'kind get clusters',
        '# unless the output lists grpc-lb:',
        '  kind create cluster --name grpc-lb',
        'kind get clusters',
        '# if it is there:',
        '  kind delete cluster',
        "cat > .lab/kind/x/kustomization.yaml <<'EOF'",
        'kind: Kustomization',
        'EOF',
        'kubectl logs -f job/client-a &',
        '# wait until it is done (60 s at most)',
        '',
      ].join('\n'),
    );
  });

  it('comes back to the outer level after a guarded action fails', async () => {
    const plan = new PlanRecorder();
    await expect(
      plan.unless(listed, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await plan.run(['true']);
    expect(plan.entries.at(-1)).toEqual({ kind: 'run', argv: ['true'], depth: 0 });
  });
});

describe('CommandError', () => {
  it('names the command, its exit code and the end of what it said', () => {
    const error = new CommandError(['kubectl', 'apply', '-k', 'x y'], {
      code: 1,
      stdout: '',
      stderr: 'line 1\nline 2\nline 3\nerror: no objects passed to apply\n',
    });
    expect(error.message).toBe(
      "kubectl apply -k 'x y' failed (exit 1): line 2 | line 3 | error: no objects passed to apply",
    );
  });
});
