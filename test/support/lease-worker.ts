// A process that takes IPv4 leases on one bridge's lease file, as many `corral start`s at
// once would, for test/unit/lock.test.ts. argv: netDir worker count
import { allocate, updateLeases, type Subnets } from '../../src/core/net/ipam.js';
import { parsePrefix } from '../../src/core/net/cidr.js';

const [dir = '', worker = '0', count = '0'] = process.argv.slice(2);
const paths = { dir, run: `${dir}/run` };
const subnets: Subnets = { v4: { gateway: '10.9.8.1', prefix: parsePrefix('10.9.8.1/24') } };
const got: string[] = [];
for (let i = 0; i < Number(count); i++) {
  const name = `w${worker}-${i}`;
  got.push(updateLeases(paths, 'br0', (file) => {
    const { file: next, lease } = allocate(file, { lxcpath: '/s', name, device: 0, hostname: name, mac: `00:16:3e:00:0${Number(worker) % 10}:${i.toString(16).padStart(2, '0')}` }, subnets, 'br0');
    return { file: next, result: lease.ipv4 };
  }));
}
process.stdout.write(JSON.stringify(got));
