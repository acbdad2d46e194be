import { describe, expect, it } from 'vitest';
import { ipv6Bytes, nonPublicAddressReason } from '../../src/media/address-policy.js';

describe('which addresses media.url may reach', () => {
  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    // Just outside the private and special ranges.
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '172.15.255.255',
    '172.32.0.0',
    '192.167.255.255',
    '192.169.0.0',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001:80b::200e',
    '::ffff:93.184.216.34',
    '64:ff9b::808:808',
    '2002:5db8:d822::1',
  ])('lets through the public address %s', (address) => {
    expect(nonPublicAddressReason(address)).toBeUndefined();
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'this network'],
    ['192.0.2.1', 'documentation'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.251', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['::127.0.0.1', 'loopback'],
    ['::10.1.2.3', 'private'],
  ])('refuses %s as %s', (address, reason) => {
    expect(nonPublicAddressReason(address)).toContain(reason);
  });

  it('refuses what is not an IP address', () => {
    expect(nonPublicAddressReason('localhost')).toBe('not an IP address');
    expect(nonPublicAddressReason('127.1')).toBe('not an IP address');
  });

  it('reads every textual form of IPv6', () => {
    expect([...ipv6Bytes('::1')!]).toEqual([...Array(15).fill(0), 1]);
    expect([...ipv6Bytes('1::')!]).toEqual([0, 1, ...Array(14).fill(0)]);
    expect([...ipv6Bytes('::ffff:1.2.3.4')!].slice(10)).toEqual([0xff, 0xff, 1, 2, 3, 4]);
    expect([...ipv6Bytes('2001:0db8:0000:0000:0000:ff00:0042:8329')!]).toEqual([...ipv6Bytes('2001:db8::ff00:42:8329')!]);
    expect(ipv6Bytes('10.0.0.1')).toBeUndefined();
  });
});
