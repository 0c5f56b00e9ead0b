;; LZ4 block decoding and ByteGrouping4 un-grouping for Xet chunks, in WebAssembly text.
;;
;; The source of the bytes embedded in lz4-wasm-module.ts (`bun run wasm` rebuilds them with wabt,
;; a devDependency; a test checks they match). Why WebAssembly: weights compress into many short
;; LZ4 sequences, and copying them 16 bytes at a time (v128) instead of one checked byte at a time
;; is what makes decoding cheaper than in JavaScript.
;;
;; Copies are "wild": they may write up to 32 bytes past the end of the output and read up to 32
;; past the end of the input. The caller (lz4-wasm.ts) leaves SLACK bytes after each area for that.

(module
  (memory (export "memory") 1)

  ;; Decodes the LZ4 block in [s, sEnd) into [d, dEnd); matches may reach back to `base` (earlier
  ;; blocks of the same frame). Returns the new end of output, or a negative error code:
  ;; -1 literal length cut short, -2 literals past the end of the block, -3 more output than room,
  ;; -4 match offset cut short, -5 offset before `base`, -6 match length cut short.
  (func (export "decodeBlock") (param $s i32) (param $sEnd i32) (param $base i32) (param $d i32) (param $dEnd i32) (result i32)
    (local $token i32) (local $lit i32) (local $byte i32) (local $offset i32) (local $len i32) (local $m i32) (local $mEnd i32)
    (local $sFast i32) (local $dFast i32)
    ;; Far from both ends (addresses are below 2^31, so these compare signed even when negative),
    ;; a sequence of < 15 literals and a match of < 19 bytes needs no length bytes and no end checks.
    (local.set $sFast (i32.sub (local.get $sEnd) (i32.const 32)))
    (local.set $dFast (i32.sub (local.get $dEnd) (i32.const 32)))
    (block $done
      (loop $sequence
        (br_if $done (i32.ge_u (local.get $s) (local.get $sEnd)))
        (block $match
          (if (i32.and (i32.le_s (local.get $s) (local.get $sFast)) (i32.le_s (local.get $d) (local.get $dFast)))
            (then
              (local.set $token (i32.load8_u (local.get $s)))
              (if (i32.and (i32.lt_u (local.get $token) (i32.const 0xf0)) (i32.ne (i32.and (local.get $token) (i32.const 15)) (i32.const 15)))
                (then
                  (local.set $lit (i32.shr_u (local.get $token) (i32.const 4)))
                  (v128.store (local.get $d) (v128.load offset=1 (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (i32.add (local.get $lit) (i32.const 1))))
                  (local.set $d (i32.add (local.get $d) (local.get $lit)))
                  (local.set $offset (i32.load16_u (local.get $s)))
                  ;; any other match: the general match code below, with the literals done
                  (br_if $match (i32.or (i32.lt_u (local.get $offset) (i32.const 16)) (i32.gt_u (local.get $offset) (i32.sub (local.get $d) (local.get $base)))))
                  (local.set $s (i32.add (local.get $s) (i32.const 2)))
                  (local.set $m (i32.sub (local.get $d) (local.get $offset)))
                  (v128.store (local.get $d) (v128.load (local.get $m)))
                  (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $m)))
                  (local.set $d (i32.add (local.get $d) (i32.add (i32.and (local.get $token) (i32.const 15)) (i32.const 4))))
                  (br $sequence)))))
        (local.set $token (i32.load8_u (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        ;; literals
        (local.set $lit (i32.shr_u (local.get $token) (i32.const 4)))
        (if (i32.eq (local.get $lit) (i32.const 15))
          (then
            (loop $more
              (if (i32.ge_u (local.get $s) (local.get $sEnd)) (then (return (i32.const -1))))
              (local.set $byte (i32.load8_u (local.get $s)))
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (local.set $lit (i32.add (local.get $lit) (local.get $byte)))
              (br_if $more (i32.eq (local.get $byte) (i32.const 255))))))
        (if (i32.gt_u (local.get $lit) (i32.sub (local.get $sEnd) (local.get $s))) (then (return (i32.const -2))))
        (if (i32.gt_u (local.get $lit) (i32.sub (local.get $dEnd) (local.get $d))) (then (return (i32.const -3))))
        (if (i32.le_u (local.get $lit) (i32.const 32))
          (then
            (v128.store (local.get $d) (v128.load (local.get $s)))
            (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $s))))
          (else (memory.copy (local.get $d) (local.get $s) (local.get $lit))))
        (local.set $s (i32.add (local.get $s) (local.get $lit)))
        (local.set $d (i32.add (local.get $d) (local.get $lit)))
        ;; the last sequence has literals only
        (br_if $done (i32.eq (local.get $s) (local.get $sEnd))))
        ;; match
        (if (i32.gt_u (i32.add (local.get $s) (i32.const 2)) (local.get $sEnd)) (then (return (i32.const -4))))
        (local.set $offset (i32.load16_u (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 2)))
        (if (i32.or (i32.eqz (local.get $offset)) (i32.gt_u (local.get $offset) (i32.sub (local.get $d) (local.get $base))))
          (then (return (i32.const -5))))
        (local.set $len (i32.add (i32.and (local.get $token) (i32.const 15)) (i32.const 4)))
        (if (i32.eq (local.get $len) (i32.const 19))
          (then
            (loop $more
              (if (i32.ge_u (local.get $s) (local.get $sEnd)) (then (return (i32.const -6))))
              (local.set $byte (i32.load8_u (local.get $s)))
              (local.set $s (i32.add (local.get $s) (i32.const 1)))
              (local.set $len (i32.add (local.get $len) (local.get $byte)))
              (br_if $more (i32.eq (local.get $byte) (i32.const 255))))))
        (if (i32.gt_u (local.get $len) (i32.sub (local.get $dEnd) (local.get $d))) (then (return (i32.const -3))))
        (local.set $m (i32.sub (local.get $d) (local.get $offset)))
        (local.set $mEnd (i32.add (local.get $d) (local.get $len)))
        (if (i32.ge_u (local.get $offset) (i32.const 16))
          (then
            ;; 16 bytes at a time read only bytes already final: each load starts >= 16 before its store
            (if (i32.le_u (local.get $len) (i32.const 32))
              (then
                (v128.store (local.get $d) (v128.load (local.get $m)))
                (v128.store offset=16 (local.get $d) (v128.load offset=16 (local.get $m))))
              (else
                (if (i32.ge_u (local.get $offset) (local.get $len))
                  (then (memory.copy (local.get $d) (local.get $m) (local.get $len)))
                  (else
                    (loop $copy16
                      (v128.store (local.get $d) (v128.load (local.get $m)))
                      (local.set $d (i32.add (local.get $d) (i32.const 16)))
                      (local.set $m (i32.add (local.get $m) (i32.const 16)))
                      (br_if $copy16 (i32.lt_u (local.get $d) (local.get $mEnd)))))))))
          (else
            (if (i32.eq (local.get $offset) (i32.const 1))
              (then (memory.fill (local.get $d) (i32.load8_u (local.get $m)) (local.get $len)))
              (else
                (if (i32.ge_u (local.get $offset) (i32.const 8))
                  (then
                    (loop $copy8
                      (i64.store (local.get $d) (i64.load (local.get $m)))
                      (local.set $d (i32.add (local.get $d) (i32.const 8)))
                      (local.set $m (i32.add (local.get $m) (i32.const 8)))
                      (br_if $copy8 (i32.lt_u (local.get $d) (local.get $mEnd)))))
                  (else
                    ;; a short period: byte by byte, so the pattern repeats as it should
                    (loop $copy1
                      (i32.store8 (local.get $d) (i32.load8_u (local.get $m)))
                      (local.set $d (i32.add (local.get $d) (i32.const 1)))
                      (local.set $m (i32.add (local.get $m) (i32.const 1)))
                      (br_if $copy1 (i32.lt_u (local.get $d) (local.get $mEnd))))))))))
        (local.set $d (local.get $mEnd))
        (br $sequence)))
    (local.get $d))

  ;; ByteGrouping4: [src, src + n) holds byte 0 of every 4-byte word, then byte 1 of each, then
  ;; bytes 2 and 3 (group g has ceil((n - g) / 4) bytes); writes the words back in order at dst.
  (func (export "regroup4") (param $src i32) (param $dst i32) (param $n i32)
    (local $words i32) (local $tail i32) (local $g1 i32) (local $g2 i32) (local $g3 i32) (local $i i32) (local $out i32)
    (local $a v128) (local $b v128) (local $c v128) (local $e v128) (local $ab v128) (local $ce v128)
    (local.set $words (i32.shr_u (local.get $n) (i32.const 2)))
    (local.set $tail (i32.and (local.get $n) (i32.const 3)))
    (local.set $g1 (i32.add (local.get $src) (i32.add (local.get $words) (i32.gt_u (local.get $tail) (i32.const 0)))))
    (local.set $g2 (i32.add (local.get $g1) (i32.add (local.get $words) (i32.gt_u (local.get $tail) (i32.const 1)))))
    (local.set $g3 (i32.add (local.get $g2) (i32.add (local.get $words) (i32.gt_u (local.get $tail) (i32.const 2)))))
    (local.set $out (local.get $dst))
    ;; 16 words at a time: interleave the four groups' next 16 bytes into 64 output bytes
    (block $simdDone
      (loop $simd
        (br_if $simdDone (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $words)))
        (local.set $a (v128.load (i32.add (local.get $src) (local.get $i))))
        (local.set $b (v128.load (i32.add (local.get $g1) (local.get $i))))
        (local.set $c (v128.load (i32.add (local.get $g2) (local.get $i))))
        (local.set $e (v128.load (i32.add (local.get $g3) (local.get $i))))
        (local.set $ab (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $a) (local.get $b)))
        (local.set $ce (i8x16.shuffle 0 16 1 17 2 18 3 19 4 20 5 21 6 22 7 23 (local.get $c) (local.get $e)))
        (v128.store (local.get $out) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $ab) (local.get $ce)))
        (v128.store offset=16 (local.get $out) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $ab) (local.get $ce)))
        (local.set $ab (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $a) (local.get $b)))
        (local.set $ce (i8x16.shuffle 8 24 9 25 10 26 11 27 12 28 13 29 14 30 15 31 (local.get $c) (local.get $e)))
        (v128.store offset=32 (local.get $out) (i8x16.shuffle 0 1 16 17 2 3 18 19 4 5 20 21 6 7 22 23 (local.get $ab) (local.get $ce)))
        (v128.store offset=48 (local.get $out) (i8x16.shuffle 8 9 24 25 10 11 26 27 12 13 28 29 14 15 30 31 (local.get $ab) (local.get $ce)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (br $simd)))
    ;; the last words one at a time
    (block $wordsDone
      (loop $word
        (br_if $wordsDone (i32.ge_u (local.get $i) (local.get $words)))
        (i32.store8 (local.get $out) (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (i32.store8 offset=1 (local.get $out) (i32.load8_u (i32.add (local.get $g1) (local.get $i))))
        (i32.store8 offset=2 (local.get $out) (i32.load8_u (i32.add (local.get $g2) (local.get $i))))
        (i32.store8 offset=3 (local.get $out) (i32.load8_u (i32.add (local.get $g3) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $word)))
    ;; a partial last word: group g's last byte
    (if (i32.gt_u (local.get $tail) (i32.const 0)) (then (i32.store8 (local.get $out) (i32.load8_u (i32.add (local.get $src) (local.get $words))))))
    (if (i32.gt_u (local.get $tail) (i32.const 1)) (then (i32.store8 offset=1 (local.get $out) (i32.load8_u (i32.add (local.get $g1) (local.get $words))))))
    (if (i32.gt_u (local.get $tail) (i32.const 2)) (then (i32.store8 offset=2 (local.get $out) (i32.load8_u (i32.add (local.get $g2) (local.get $words)))))))
)
