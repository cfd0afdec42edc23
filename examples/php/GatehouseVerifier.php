<?php
// Verifies gatehouse's signed identity assertion (X-Gatehouse-Assertion) with
// nothing but PHP's standard extensions: openssl (ES256), sodium (EdDSA) and
// hash (HS256). No Composer, no libraries. PHP 8.2 or later.
//
//   require __DIR__ . '/GatehouseVerifier.php';
//   $v = new GatehouseVerifier(
//       issuer:   'https://app.example.com',               // gatehouse public_url
//       audience: 'http://127.0.0.1:8080',                 // identity.assertion.audience
//       jwksUrl:  'http://127.0.0.1:4180/oauth2/jwks.json',
//   );
//   try { $claims = $v->verifyRequest(); } catch (GatehouseAssertionError $e) { http_response_code(401); exit; }
//   $user = $claims['sub'];
//
// Only the algorithms passed in $algorithms are accepted ("none" never is),
// whatever the token's header says, and each algorithm uses one kind of key:
// HS256 only the shared secret, ES256 only P-256 keys, EdDSA only Ed25519 keys.

declare(strict_types=1);

final class GatehouseAssertionError extends RuntimeException
{
}

final class GatehouseVerifier
{
    private const SUPPORTED = ['ES256', 'EdDSA', 'HS256'];
    // DER SubjectPublicKeyInfo prefix of a P-256 key, followed by the 65-byte
    // uncompressed point 0x04 || x || y.
    private const P256_SPKI_PREFIX = '3059301306072a8648ce3d020106082a8648ce3d030107034200';

    private array $algorithms;
    private string $cacheFile;

    /**
     * @param string[] $algorithms accepted algorithms; default ES256 and EdDSA,
     *                             or HS256 alone when $hmacSecret is given
     */
    public function __construct(
        private string $issuer,
        private string $audience,
        private ?string $jwksUrl = null,
        private ?string $hmacSecret = null,
        array $algorithms = [],
        ?string $cacheFile = null,
        private int $cacheTtl = 300,
        private int $refetchInterval = 30,
        private int $leeway = 30,
    ) {
        if ($algorithms === []) {
            $algorithms = $hmacSecret !== null ? ['HS256'] : ['ES256', 'EdDSA'];
        }
        foreach ($algorithms as $alg) {
            if (!in_array($alg, self::SUPPORTED, true)) {
                throw new InvalidArgumentException("unsupported algorithm $alg");
            }
            if ($alg === 'HS256' && strlen((string) $hmacSecret) < 32) {
                throw new InvalidArgumentException('HS256 needs a secret of at least 32 bytes');
            }
            if ($alg !== 'HS256' && $jwksUrl === null) {
                throw new InvalidArgumentException("$alg needs the JWKS URL");
            }
        }
        $this->algorithms = $algorithms;
        $this->cacheFile = $cacheFile ?? sys_get_temp_dir() . '/gatehouse-jwks-' . md5((string) $jwksUrl) . '.json';
    }

    /** Verifies the assertion in the request header (default X-Gatehouse-Assertion). */
    public function verifyRequest(string $header = 'X-Gatehouse-Assertion'): array
    {
        $name = 'HTTP_' . strtoupper(str_replace('-', '_', $header));
        $token = $_SERVER[$name] ?? '';
        if (!is_string($token) || $token === '') {
            throw new GatehouseAssertionError('no assertion');
        }
        return $this->verify($token);
    }

    /** Verifies a compact JWS and returns its claims. */
    public function verify(string $token): array
    {
        if (strlen($token) > 65536) {
            throw new GatehouseAssertionError('assertion too long');
        }
        $parts = explode('.', $token);
        if (count($parts) !== 3) {
            throw new GatehouseAssertionError('malformed assertion');
        }
        [$h, $p, $s] = $parts;
        $header = self::jsonPart($h);
        $alg = $header['alg'] ?? null;
        if (!is_string($alg) || !in_array($alg, $this->algorithms, true)) {
            throw new GatehouseAssertionError('algorithm not allowed');
        }
        if (isset($header['crit'])) {
            throw new GatehouseAssertionError('unknown critical header');
        }
        $sig = self::b64decode($s);
        $signed = $h . '.' . $p;
        $kid = is_string($header['kid'] ?? null) ? $header['kid'] : '';
        if (!$this->signatureValid($alg, $kid, $signed, $sig)) {
            throw new GatehouseAssertionError('bad signature');
        }

        $claims = self::jsonPart($p);
        if (($claims['iss'] ?? null) !== $this->issuer) {
            throw new GatehouseAssertionError('wrong issuer');
        }
        $aud = $claims['aud'] ?? null;
        if (!($aud === $this->audience || (is_array($aud) && in_array($this->audience, $aud, true)))) {
            throw new GatehouseAssertionError('wrong audience');
        }
        $now = time();
        if (!is_int($claims['exp'] ?? null) || $now >= $claims['exp'] + $this->leeway) {
            throw new GatehouseAssertionError('expired');
        }
        if (!is_int($claims['iat'] ?? null) || $claims['iat'] > $now + $this->leeway) {
            throw new GatehouseAssertionError('issued in the future');
        }
        return $claims;
    }

    private function signatureValid(string $alg, string $kid, string $signed, string $sig): bool
    {
        if ($alg === 'HS256') {
            return hash_equals(hash_hmac('sha256', $signed, (string) $this->hmacSecret, true), $sig);
        }
        $jwk = $this->key($kid);
        if (isset($jwk['alg']) && $jwk['alg'] !== $alg) {
            return false;
        }
        if ($alg === 'ES256') {
            if (($jwk['kty'] ?? '') !== 'EC' || ($jwk['crv'] ?? '') !== 'P-256' || strlen($sig) !== 64) {
                return false;
            }
            $x = self::b64decode((string) ($jwk['x'] ?? ''));
            $y = self::b64decode((string) ($jwk['y'] ?? ''));
            if (strlen($x) !== 32 || strlen($y) !== 32) {
                return false;
            }
            $pem = "-----BEGIN PUBLIC KEY-----\n"
                . chunk_split(base64_encode(hex2bin(self::P256_SPKI_PREFIX) . "\x04" . $x . $y), 64, "\n")
                . "-----END PUBLIC KEY-----\n";
            return openssl_verify($signed, self::joseToDer($sig), $pem, OPENSSL_ALGO_SHA256) === 1;
        }
        // EdDSA
        if (($jwk['kty'] ?? '') !== 'OKP' || ($jwk['crv'] ?? '') !== 'Ed25519' || strlen($sig) !== SODIUM_CRYPTO_SIGN_BYTES) {
            return false;
        }
        $x = self::b64decode((string) ($jwk['x'] ?? ''));
        if (strlen($x) !== SODIUM_CRYPTO_SIGN_PUBLICKEYBYTES) {
            return false;
        }
        return sodium_crypto_sign_verify_detached($sig, $signed, $x);
    }

    /** JOSE r||s (RFC 7518 §3.4) to the DER SEQUENCE openssl_verify wants. */
    private static function joseToDer(string $sig): string
    {
        $int = static function (string $b): string {
            $b = ltrim($b, "\x00");
            if ($b === '' || ord($b[0]) > 0x7f) {
                $b = "\x00" . $b;
            }
            return "\x02" . chr(strlen($b)) . $b;
        };
        $seq = $int(substr($sig, 0, 32)) . $int(substr($sig, 32));
        return "\x30" . chr(strlen($seq)) . $seq;
    }

    /** The JWK for $kid: from the file cache while fresh, else fetched. */
    private function key(string $kid): array
    {
        $cache = $this->readCache();
        $now = time();
        $fresh = $cache !== null && $now - $cache['fetched_at'] < $this->cacheTtl;
        if ($fresh && isset($cache['keys'][$kid])) {
            return $cache['keys'][$kid];
        }
        // Stale, or an unknown kid (a rotation): fetch, but at most once per
        // refetchInterval so forged kids cannot hammer gatehouse.
        if ($cache === null || $now - $cache['attempted_at'] >= $this->refetchInterval) {
            $cache = $this->fetch($cache, $now);
        }
        if ($cache !== null && isset($cache['keys'][$kid])) {
            return $cache['keys'][$kid];
        }
        throw new GatehouseAssertionError('unknown key id');
    }

    private function readCache(): ?array
    {
        $raw = @file_get_contents($this->cacheFile);
        if ($raw === false) {
            return null;
        }
        $c = json_decode($raw, true);
        return is_array($c) && isset($c['fetched_at'], $c['attempted_at'], $c['keys']) && is_array($c['keys']) ? $c : null;
    }

    /** Fetches the JWKS; on failure the previous keys (if any) stay in use. */
    private function fetch(?array $previous, int $now): ?array
    {
        $ctx = stream_context_create(['http' => ['timeout' => 5, 'ignore_errors' => true,
            'header' => "Accept: application/json\r\n"]]);
        $raw = @file_get_contents((string) $this->jwksUrl, false, $ctx);
        $status = isset($http_response_header[0]) ? (int) (explode(' ', $http_response_header[0])[1] ?? 0) : 0;
        $doc = ($raw !== false && $status === 200) ? json_decode($raw, true) : null;
        if (!is_array($doc) || !is_array($doc['keys'] ?? null)) {
            if ($previous !== null) {
                $previous['attempted_at'] = $now;
                $this->writeCache($previous);
            }
            return $previous;
        }
        $keys = [];
        foreach ($doc['keys'] as $k) {
            if (is_array($k) && is_string($k['kid'] ?? null) && (($k['use'] ?? 'sig') === 'sig')) {
                $keys[$k['kid']] = $k;
            }
        }
        $cache = ['fetched_at' => $now, 'attempted_at' => $now, 'keys' => $keys];
        $this->writeCache($cache);
        return $cache;
    }

    private function writeCache(array $cache): void
    {
        // Write then rename, so concurrent requests never read half a file.
        $tmp = $this->cacheFile . '.' . bin2hex(random_bytes(6));
        if (@file_put_contents($tmp, json_encode($cache)) !== false) {
            @rename($tmp, $this->cacheFile);
        }
    }

    private static function jsonPart(string $part): array
    {
        $v = json_decode(self::b64decode($part), true);
        if (!is_array($v)) {
            throw new GatehouseAssertionError('malformed assertion');
        }
        return $v;
    }

    private static function b64decode(string $s): string
    {
        if (preg_match('/^[A-Za-z0-9_-]*$/', $s) !== 1) {
            throw new GatehouseAssertionError('malformed assertion');
        }
        $d = base64_decode(strtr($s, '-_', '+/'), true);
        if ($d === false) {
            throw new GatehouseAssertionError('malformed assertion');
        }
        return $d;
    }
}
