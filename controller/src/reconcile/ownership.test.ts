import { describe, expect, test } from '@jest/globals';
import { deploymentConflict, type ExistingObject } from './ownership.js';

const ref = { namespace: 'team-a', name: 'echo' };
const ours = {
  apiVersion: 'spool.dev/v1alpha1',
  kind: 'Function',
  name: 'echo',
  uid: 'uid-1',
  controller: true,
};
const deployment = (d: Partial<ExistingObject>): ExistingObject => ({
  name: 'fn-echo',
  namespace: 'team-a',
  labels: { 'app.kubernetes.io/managed-by': 'spool' },
  ownerReferences: [ours],
  ...d,
});

describe('deploymentConflict', () => {
  test.each([
    {
      name: 'ours: label and controller reference with our uid',
      existing: deployment({}),
      uid: 'uid-1',
      want: undefined,
    },
    { name: 'ours, uid not known yet', existing: deployment({}), uid: undefined, want: undefined },
    {
      name: "someone else's: no label, no owner",
      existing: deployment({ labels: { app: 'echo' }, ownerReferences: undefined }),
      uid: 'uid-1',
      want: /^Deployment team-a\/fn-echo already exists and is not managed by this Function \(no controller, no app.kubernetes.io\/managed-by=spool label\)/,
    },
    {
      name: 'our label copied, but no owner reference',
      existing: deployment({ ownerReferences: [] }),
      uid: 'uid-1',
      want: /\(no controller\)/,
    },
    {
      name: 'owned by another kind',
      existing: deployment({ ownerReferences: [{ ...ours, apiVersion: 'apps/v1', kind: 'ReplicaSet' }] }),
      uid: 'uid-1',
      want: /controller ReplicaSet\/echo/,
    },
    {
      name: 'owned by another Function',
      existing: deployment({ ownerReferences: [{ ...ours, name: 'other' }] }),
      uid: 'uid-1',
      want: /controller Function\/other/,
    },
    {
      name: 'left by an earlier Function of the same name (another uid)',
      existing: deployment({ ownerReferences: [{ ...ours, uid: 'uid-0' }] }),
      uid: 'uid-1',
      want: /controller Function\/echo/,
    },
    {
      name: 'our reference, but not as controller',
      existing: deployment({ ownerReferences: [{ ...ours, controller: false }] }),
      uid: 'uid-1',
      want: /no controller/,
    },
    {
      name: 'our owner reference without our label',
      existing: deployment({ labels: {} }),
      uid: 'uid-1',
      want: /no app.kubernetes.io\/managed-by=spool label/,
    },
  ])('$name', ({ existing, uid, want }) => {
    const conflict = deploymentConflict(ref, uid, existing);
    expect({
      conflict: conflict !== undefined,
      message: want === undefined || want.test(conflict ?? ''),
    }).toEqual({
      conflict: want !== undefined,
      message: true,
    });
  });
});
