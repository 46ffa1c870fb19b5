// coturn's TLS listener (turns: for networks that let only TCP 443 out) rendered from node-config.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../../apps/server/src/config/index.ts';
import { renderCoturnConfig } from '../../apps/server/src/turn/index.ts';

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));

describe('coturn TLS listener', () => {
  const config = loadConfig({ turn: { secret: 'test-turn-secret-0123456789' } });

  test('off by default: no-tls, no certificate options', () => {
    const opts = lines(renderCoturnConfig(config));
    assert.ok(opts.includes('no-tls'));
    assert.ok(opts.includes('no-dtls'));
    assert.ok(!opts.some((l) => /^(tls-listening-port|cert|pkey)=/.test(l)));
  });

  test('with a port and PEM paths: listener and certificate, TLS allowed, DTLS and old TLS versions still off', () => {
    const opts = lines(
      renderCoturnConfig(config, {
        tlsListeningPort: 443,
        tlsCertFile: '/etc/coturn/chain.pem',
        tlsKeyFile: '/etc/coturn/key.pem',
      }),
    );
    assert.ok(opts.includes('tls-listening-port=443'));
    assert.ok(opts.includes('cert=/etc/coturn/chain.pem'));
    assert.ok(opts.includes('pkey=/etc/coturn/key.pem'));
    assert.ok(!opts.includes('no-tls'));
    for (const flag of ['no-dtls', 'no-tlsv1', 'no-tlsv1_1']) assert.ok(opts.includes(flag), flag);
  });

  test('a port without certificate, or clashing with other ports, is refused with the key named', () => {
    assert.throws(() => renderCoturnConfig(config, { tlsListeningPort: 443 }), /tlsCertFile/);
    const files = { tlsCertFile: '/c.pem', tlsKeyFile: '/k.pem' };
    assert.throws(
      () => renderCoturnConfig(config, { ...files, tlsListeningPort: config.turn.coturn.listeningPort }),
      /must differ/,
    );
    assert.throws(
      () => renderCoturnConfig(config, { ...files, tlsListeningPort: 49170 }),
      /relay port range/,
    );
    assert.throws(
      () => renderCoturnConfig(config, { ...files, tlsListeningPort: 443, tlsCertFile: 'a b' }),
      /whitespace/,
    );
  });
});
