// Each network slot's loopback ranges: slot 0 is the historic 127.1/16 and 127.3/16; no two slots overlap.
import { expect, test } from '@jest/globals';
import { allApiserverServiceIps, networkOf, networkSlots } from './network.js';

test.each([
  [0, '127.1', '127.3.0.0/16', '127.3.0.1'],
  [1, '127.5', '127.7.0.0/16', '127.7.0.1'],
  [15, '127.61', '127.63.0.0/16', '127.63.0.1'],
])('slot %i: pods %s, Services %s, kubernetes at %s', (slot, podPrefix, serviceCidr, apiserverServiceIp) => {
  expect(networkOf(slot)).toEqual({ slot, podPrefix, serviceCidr, apiserverServiceIp });
});

test.each([-1, 16, 1.5, Number.NaN])('slot %s is refused', (slot) => {
  expect(() => networkOf(slot)).toThrow(/network slot .* is not in 0…15/);
});

test('no two slots share a /16, and the certificate names every slot', () => {
  const prefixes = Array.from({ length: networkSlots }, (_, slot) => {
    const network = networkOf(slot);
    return [network.podPrefix, network.serviceCidr.replace(/\.0\.0\/16$/, '')];
  }).flat();
  expect(new Set(prefixes).size).toBe(2 * networkSlots);
  expect(allApiserverServiceIps()).toHaveLength(networkSlots);
  expect(allApiserverServiceIps()[0]).toBe('127.3.0.1');
});
