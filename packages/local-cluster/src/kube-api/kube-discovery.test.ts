import { describe, expect, it } from 'vitest';
import { aggregatedDiscoveryWanted } from './kube-discovery.js';

describe('aggregatedDiscoveryWanted', () => {
  it('picks the first aggregated form kubectl 1.26+ lists', () => {
    expect(
      aggregatedDiscoveryWanted(
        'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
      ),
    ).toBe('v2');
    expect(
      aggregatedDiscoveryWanted(
        'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
      ),
    ).toBe('v2beta1');
  });

  it('answers legacy discovery to older clients and plain JSON first', () => {
    expect(aggregatedDiscoveryWanted('application/json, */*')).toBeUndefined();
    expect(aggregatedDiscoveryWanted(undefined)).toBeUndefined();
    expect(
      aggregatedDiscoveryWanted(
        'application/json,application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      ),
    ).toBeUndefined();
  });
});
