import { describe, expect, test } from '@jest/globals';
import { classifyAddress, formatIp, inCidr, parseCidr, parseIp, type IpAddress } from './address.js';

const ip = (text: string): IpAddress => {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(`fixture ${text} does not parse`);
  return parsed;
};

describe('parseIp', () => {
  test.each([
    { text: '127.0.0.1', want: '127.0.0.1' },
    { text: '::1', want: '0:0:0:0:0:0:0:1' },
    { text: '[::1]', want: '0:0:0:0:0:0:0:1' },
    { text: '::ffff:127.0.0.1', want: '0:0:0:0:0:ffff:7f00:1' },
    { text: '[::ffff:7f00:1]', want: '0:0:0:0:0:ffff:7f00:1' },
    { text: 'fe80::1%eth0', want: 'fe80:0:0:0:0:0:0:1' },
    { text: '2001:DB8::A', want: '2001:db8:0:0:0:0:0:a' },
    { text: '1:2:3:4:5:6:7:8', want: '1:2:3:4:5:6:7:8' },
    { text: '::', want: '0:0:0:0:0:0:0:0' },
  ])('$text', ({ text, want }) => {
    expect(formatIp(ip(text))).toBe(want);
  });

  test.each([
    { name: 'a hostname', text: 'localhost' },
    { name: 'hex IPv4 (WHATWG URL normalises it first)', text: '0x7f000001' },
    { name: 'a decimal integer', text: '2130706433' },
    { name: 'a short IPv4', text: '127.1' },
    { name: 'a leading zero (octal in some parsers)', text: '0177.0.0.1' },
    { name: 'an octet over 255', text: '256.0.0.1' },
    { name: 'two ::', text: '1::2::3' },
    { name: 'nine groups', text: '1:2:3:4:5:6:7:8:9' },
    { name: 'a group of five digits', text: '12345::' },
    { name: 'empty', text: '' },
  ])('refuses $name', ({ text }) => {
    expect(parseIp(text)).toBeUndefined();
  });
});

describe('classifyAddress', () => {
  test.each([
    { address: '8.8.8.8', want: 'public' },
    { address: '1.1.1.1', want: 'public' },
    { address: '2606:4700::1111', want: 'public' },
    { address: '127.0.0.1', want: 'loopback' },
    { address: '127.255.255.254', want: 'loopback' },
    { address: '::1', want: 'loopback' },
    { address: '::ffff:127.0.0.1', want: 'loopback' },
    { address: '::ffff:10.0.0.1', want: 'private' },
    { address: '10.1.2.3', want: 'private' },
    { address: '172.16.0.1', want: 'private' },
    { address: '172.31.255.255', want: 'private' },
    { address: '172.32.0.1', want: 'public' },
    { address: '192.168.1.1', want: 'private' },
    { address: '100.64.0.1', want: 'private' },
    { address: 'fd00::1', want: 'private' },
    { address: 'fc00::1', want: 'private' },
    { address: '169.254.169.254', want: 'link-local' },
    { address: 'fe80::1', want: 'link-local' },
    { address: '0.0.0.0', want: 'unspecified' },
    { address: '0.1.2.3', want: 'unspecified' },
    { address: '::', want: 'unspecified' },
    { address: '224.0.0.1', want: 'multicast' },
    { address: '239.255.255.250', want: 'multicast' },
    { address: 'ff02::1', want: 'multicast' },
    { address: '255.255.255.255', want: 'broadcast' },
    { address: '240.0.0.1', want: 'reserved' },
    { address: '192.0.2.1', want: 'reserved' },
    { address: '2001:db8::1', want: 'reserved' },
    { address: '::127.0.0.1', want: 'reserved' },
    { address: '64:ff9b::7f00:1', want: 'loopback' },
    { address: '64:ff9b::808:808', want: 'public' },
    { address: '2002:7f00:1::', want: 'loopback' },
    { address: '2002:a00:1::', want: 'private' },
    { address: '3fff::1', want: 'public' },
    { address: '4000::1', want: 'reserved' },
  ])('$address is $want', ({ address, want }) => {
    expect(classifyAddress(ip(address))).toBe(want);
  });
});

describe('parseCidr and inCidr', () => {
  test.each([
    { cidr: '10.0.0.0/8', address: '10.200.1.1', want: true },
    { cidr: '10.0.0.0/8', address: '11.0.0.1', want: false },
    { cidr: '192.168.4.0/22', address: '192.168.7.255', want: true },
    { cidr: '192.168.4.0/22', address: '192.168.8.0', want: false },
    { cidr: '127.0.0.0/8', address: '::ffff:127.0.0.1', want: true },
    { cidr: '::ffff:127.0.0.0/104', address: '127.0.0.9', want: true },
    { cidr: 'fd00::/8', address: 'fd12::1', want: true },
    { cidr: 'fd00::/8', address: '10.0.0.1', want: false },
    { cidr: '203.0.113.7', address: '203.0.113.7', want: true },
    { cidr: '203.0.113.7', address: '203.0.113.8', want: false },
    { cidr: '0.0.0.0/0', address: '8.8.8.8', want: true },
  ])('$address in $cidr is $want', ({ cidr, address, want }) => {
    const parsed = parseCidr(cidr);
    expect(parsed && inCidr(ip(address), parsed)).toBe(want);
  });

  test.each(['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/x', 'example.com/8'])('refuses %s', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});
