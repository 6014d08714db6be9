// The process node's pure volume code as tables: bind mounts from volumeMounts, files of Secret/ConfigMap volumes.
import { describe, expect, test } from '@jest/globals';
import type { V1Pod, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import {
  desiredMounts,
  hasVolumeMountsBesidesToken,
  unmountableReason,
  withImageFilesVisible,
  type BindMount,
  type ResolvedVolume,
} from './mount-plan.js';
import { desiredVolumeFiles, type KeyedVolumeSource, type VolumeFile } from './volume-files.js';

const volumes = new Map<string, ResolvedVolume>([
  ['data', { path: '/pods/p/volumes/empty-dir/data', readOnly: false }],
  ['config', { path: '/pods/p/volumes/config-map/config', readOnly: true }],
  ['claim', { path: '/srv/pv-1', readOnly: false }],
]);

describe('desiredMounts', () => {
  test.each<{ name: string; mounts: V1VolumeMount[]; env?: Record<string, string>; want: BindMount[] }>([
    {
      name: 'a volume at its mountPath',
      mounts: [{ name: 'data', mountPath: '/data' }],
      want: [{ source: '/pods/p/volumes/empty-dir/data', target: '/data', readOnly: false }],
    },
    {
      name: 'readOnly on the mount',
      mounts: [{ name: 'claim', mountPath: '/data', readOnly: true }],
      want: [{ source: '/srv/pv-1', target: '/data', readOnly: true }],
    },
    {
      name: 'a read-only volume is read-only wherever it is mounted',
      mounts: [{ name: 'config', mountPath: '/etc/app', readOnly: false }],
      want: [{ source: '/pods/p/volumes/config-map/config', target: '/etc/app', readOnly: true }],
    },
    {
      name: 'subPath: one file of the volume',
      mounts: [{ name: 'config', mountPath: '/etc/app.conf', subPath: 'app.conf' }],
      want: [
        { source: '/pods/p/volumes/config-map/config/app.conf', target: '/etc/app.conf', readOnly: true },
      ],
    },
    {
      name: 'subPathExpr expands the container env',
      mounts: [{ name: 'claim', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' }],
      env: { POD_NAME: 'web-0' },
      want: [{ source: '/srv/pv-1/logs/web-0', target: '/logs', readOnly: false }],
    },
    {
      name: 'a trailing slash and a relative mountPath name the same place as without',
      mounts: [
        { name: 'data', mountPath: '/data/' },
        { name: 'claim', mountPath: 'srv/x' },
      ],
      want: [
        { source: '/pods/p/volumes/empty-dir/data', target: '/data', readOnly: false },
        { source: '/srv/pv-1', target: '/srv/x', readOnly: false },
      ],
    },
    {
      name: 'parents before children, otherwise in spec order',
      mounts: [
        { name: 'config', mountPath: '/data/config' },
        { name: 'claim', mountPath: '/var' },
        { name: 'data', mountPath: '/data' },
      ],
      want: [
        { source: '/srv/pv-1', target: '/var', readOnly: false },
        { source: '/pods/p/volumes/empty-dir/data', target: '/data', readOnly: false },
        { source: '/pods/p/volumes/config-map/config', target: '/data/config', readOnly: true },
      ],
    },
    { name: 'no volumeMounts, no mounts', mounts: [], want: [] },
  ])('$name', ({ mounts, env = {}, want }) => {
    expect(desiredMounts(mounts, volumes, env)).toEqual(want);
  });

  test.each<{ name: string; mounts: V1VolumeMount[]; error: RegExp }>([
    {
      name: 'a volume the pod does not resolve',
      mounts: [{ name: 'nope', mountPath: '/x' }],
      error: /volumeMount nope at \/x: no such volume/,
    },
    {
      name: 'a subPath leaving its volume',
      mounts: [{ name: 'data', mountPath: '/x', subPath: 'a/../../etc' }],
      error: /leaves the volume/,
    },
    {
      name: 'an absolute subPathExpr',
      mounts: [{ name: 'data', mountPath: '/x', subPathExpr: '$(ROOT)etc' }],
      error: /leaves the volume/,
    },
  ])('refuses $name', ({ mounts, error }) => {
    expect(() => desiredMounts(mounts, volumes, { ROOT: '/' })).toThrow(error);
  });
});

describe('withImageFilesVisible', () => {
  const tmp = { source: '/pods/p/tmp', target: '/tmp', readOnly: false };
  const data = { source: '/pods/p/data', target: '/data', readOnly: false };
  test.each([
    {
      name: 'a volume over the checkout binds it back last',
      roots: ['/tmp/clone'],
      want: [tmp, data, { source: '/tmp/clone', target: '/tmp/clone', readOnly: false }],
    },
    {
      name: 'a volume at exactly an image root hides it too',
      roots: ['/data'],
      want: [tmp, data, { source: '/data', target: '/data', readOnly: false }],
    },
    {
      name: 'roots outside every volume need nothing',
      roots: ['/srv/checkout', '/usr/bin'],
      want: [tmp, data],
    },
    { name: 'a prefix of the name is not a parent folder', roots: ['/tmpfoo/repo'], want: [tmp, data] },
  ])('$name', ({ roots, want }) => {
    expect(withImageFilesVisible([tmp, data], roots)).toEqual(want);
  });
});

describe('hasVolumeMountsBesidesToken', () => {
  const tokenVolume = {
    name: 'kube-api-access-x',
    projected: { sources: [{ serviceAccountToken: { path: 'token' } }] },
  };
  const pod = (mounts: string[], initMounts: string[] = []): V1Pod => ({
    spec: {
      volumes: [tokenVolume, { name: 'data', emptyDir: {} }],
      initContainers: [
        { name: 'init', volumeMounts: initMounts.map((name) => ({ name, mountPath: `/${name}` })) },
      ],
      containers: [{ name: 'main', volumeMounts: mounts.map((name) => ({ name, mountPath: `/${name}` })) }],
    },
  });

  test.each([
    { name: 'only the token', pod: pod(['kube-api-access-x']), want: false },
    { name: 'no mounts at all', pod: pod([]), want: false },
    { name: 'an emptyDir', pod: pod(['kube-api-access-x', 'data']), want: true },
    { name: 'an emptyDir in an init container', pod: pod([], ['data']), want: true },
  ])('$name → $want', ({ pod: spec, want }) => {
    expect(hasVolumeMountsBesidesToken(spec)).toBe(want);
  });
});

describe('unmountableReason', () => {
  const pod = (volumes: V1Volume[], mounted: string[]): V1Pod => ({
    spec: {
      volumes,
      containers: [{ name: 'main', volumeMounts: mounted.map((name) => ({ name, mountPath: `/${name}` })) }],
    },
  });
  const downward: V1Volume = { name: 'info', downwardAPI: { items: [] } };
  const scratch: V1Volume = { name: 'scratch', emptyDir: {} };

  test.each<{ name: string; pod: V1Pod; mountNamespaces: boolean; want: string | undefined }>([
    {
      name: 'supported volumes, with mount namespaces',
      pod: pod([scratch], ['scratch']),
      mountNamespaces: true,
      want: undefined,
    },
    {
      name: 'a mounted volume of a kind the node does not serve',
      pod: pod([scratch, downward], ['scratch', 'info']),
      mountNamespaces: true,
      want: 'volume info: the process node mounts only emptyDir, secret, configMap, hostPath, persistentVolumeClaim and the service-account token',
    },
    {
      name: 'an unsupported volume nothing mounts',
      pod: pod([downward], []),
      mountNamespaces: true,
      want: undefined,
    },
    {
      name: 'volumes without mount namespaces',
      pod: pod([scratch], ['scratch']),
      mountNamespaces: false,
      want: 'the pod mounts volumes, which needs a mount namespace, but `unshare --mount` fails here (it needs CAP_SYS_ADMIN)',
    },
    {
      name: 'nothing mounted, without mount namespaces',
      pod: pod([scratch], []),
      mountNamespaces: false,
      want: undefined,
    },
  ])('$name', ({ pod: spec, mountNamespaces, want }) => {
    expect(unmountableReason(spec, mountNamespaces)).toBe(want);
  });
});

describe('desiredVolumeFiles', () => {
  const data = { 'app.conf': Buffer.from('port=1'), token: Buffer.from('s3cret') };
  const file = (path: string, content: string, mode: number): VolumeFile => ({
    path,
    content: Buffer.from(content),
    mode,
  });

  test.each<{ name: string; data?: Record<string, Buffer>; source: KeyedVolumeSource; want: VolumeFile[] }>([
    {
      name: 'every key a file, mode 0644',
      data,
      source: {},
      want: [file('app.conf', 'port=1', 0o644), file('token', 's3cret', 0o644)],
    },
    {
      name: 'defaultMode for every file',
      data,
      source: { defaultMode: 0o400 },
      want: [file('app.conf', 'port=1', 0o400), file('token', 's3cret', 0o400)],
    },
    {
      name: 'items: only the listed keys, at their paths, with their own mode over defaultMode',
      data,
      source: {
        defaultMode: 0o440,
        items: [
          { key: 'token', path: 'creds/token', mode: 0o400 },
          { key: 'app.conf', path: 'a.conf' },
        ],
      },
      want: [file('creds/token', 's3cret', 0o400), file('a.conf', 'port=1', 0o440)],
    },
    {
      name: 'an optional object that does not exist is an empty volume',
      source: { optional: true },
      want: [],
    },
    {
      name: 'an optional key that does not exist is left out',
      data,
      source: {
        optional: true,
        items: [
          { key: 'missing', path: 'm' },
          { key: 'token', path: 't' },
        ],
      },
      want: [file('t', 's3cret', 0o644)],
    },
  ])('$name', ({ data: objectData, source, want }) => {
    expect(desiredVolumeFiles('secret creds', objectData, source)).toEqual(want);
  });

  test.each<{ name: string; data?: Record<string, Buffer>; source: KeyedVolumeSource; error: string }>([
    { name: 'a missing object', source: {}, error: 'secret creds not found' },
    {
      name: 'a listed key the object lacks',
      data,
      source: { items: [{ key: 'missing', path: 'm' }] },
      error: 'secret creds has no key missing',
    },
  ])('refuses $name', ({ data: objectData, source, error }) => {
    expect(() => desiredVolumeFiles('secret creds', objectData, source)).toThrow(error);
  });
});
