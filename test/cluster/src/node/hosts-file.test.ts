// A pod's /etc/hosts: the stand-in for cluster DNS, as a table of Services.
import { expect, test } from '@jest/globals';
import type { V1Service } from '@kubernetes/client-node';
import { renderHostsFile } from './hosts-file.js';

function service(name: string, namespace: string, clusterIP?: string): V1Service {
  return { metadata: { name, namespace }, spec: clusterIP === undefined ? {} : { clusterIP } };
}

const header = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback', '127.1.0.9\tweb-0'];

test.each<[string, readonly V1Service[], readonly string[]]>([
  ['no Services: only the pod itself', [], []],
  [
    'a Service of the pod namespace answers to its bare name too',
    [service('redis', 'shop', '127.3.0.10')],
    ['127.3.0.10\tredis redis.shop redis.shop.svc redis.shop.svc.cluster.local'],
  ],
  [
    'a Service of another namespace only by its qualified names',
    [service('kubernetes', 'default', '127.3.0.1')],
    ['127.3.0.1\tkubernetes.default kubernetes.default.svc kubernetes.default.svc.cluster.local'],
  ],
  [
    'headless and unallocated Services are left out',
    [service('headless', 'shop', 'None'), service('pending', 'shop')],
    [],
  ],
])('%s', (_case, services, lines) => {
  expect(renderHostsFile('web-0', '127.1.0.9', 'shop', services)).toBe(
    [...header, ...lines].join('\n') + '\n',
  );
});
