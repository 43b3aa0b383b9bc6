/*
 * BF16 decode kernels, one thread, rows x cols BF16 weights times one vector (dec17, docs/BENCHMARKS.md): libkvscope's
 * kvs_matvec_float (x float, weights converted exactly) against two vdpbf16ps forms written here: x rounded to BF16
 * (one vdpbf16ps per 32 weights) and x split exactly into three BF16 parts (three per 32 weights). Needs AVX-512 BF16.
 *   L=inference-core/target/classes/native/linux-x86_64
 *   gcc -O3 -o /tmp/bf16b benchmarks/native/bf16-decode-bench.c -L$L -lkvscope -lm -Wl,-rpath,$PWD/$L
 *   /tmp/bf16b COLS ROWS REPS      (e.g. 576 1536 2000 in cache; 576 131072 10 streamed from memory)
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <math.h>
#include <immintrin.h>
void kvs_matvec_float(int type, const uint8_t *w, int64_t rowBytes, const float *x, int cols, int from, int to, float *out);
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
#define T __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define ROWS 4
T static inline __attribute__((always_inline)) void pass(const uint8_t *w, int64_t rb, const uint16_t *xb, int cols, int R, float *out){
  __m512 a[ROWS],b[ROWS]; for(int r=0;r<R;r++)a[r]=b[r]=_mm512_setzero_ps();
  int i=0;
  for(;i+64<=cols;i+=64){ __m512bh x0=(__m512bh)_mm512_loadu_si512(xb+i), x1=(__m512bh)_mm512_loadu_si512(xb+i+32);
    for(int r=0;r<R;r++){ a[r]=_mm512_dpbf16_ps(a[r],(__m512bh)_mm512_loadu_si512(w+r*rb+2*i),x0); b[r]=_mm512_dpbf16_ps(b[r],(__m512bh)_mm512_loadu_si512(w+r*rb+2*i+64),x1);} }
  for(;i<cols;i+=32){ int n=cols-i; __mmask32 m=n>=32?0xFFFFFFFFu:((1u<<n)-1); __m512bh x0=(__m512bh)_mm512_maskz_loadu_epi16(m,xb+i);
    for(int r=0;r<R;r++) a[r]=_mm512_dpbf16_ps(a[r],(__m512bh)_mm512_maskz_loadu_epi16(m,w+r*rb+2*i),x0);}
  for(int r=0;r<R;r++) out[r]=_mm512_reduce_add_ps(_mm512_add_ps(a[r],b[r]));
}
T static inline __attribute__((always_inline)) void pass3(const uint8_t *w, int64_t rb, const uint16_t *xh, const uint16_t *xm, const uint16_t *xl, int cols, int R, float *out){
  __m512 a[ROWS],b[ROWS]; for(int r=0;r<R;r++)a[r]=b[r]=_mm512_setzero_ps();
  int i=0;
  for(;i+32<=cols;i+=32){ __m512bh h=(__m512bh)_mm512_loadu_si512(xh+i), m=(__m512bh)_mm512_loadu_si512(xm+i), l=(__m512bh)_mm512_loadu_si512(xl+i);
    for(int r=0;r<R;r++){ __m512bh wv=(__m512bh)_mm512_loadu_si512(w+r*rb+2*i); a[r]=_mm512_dpbf16_ps(a[r],wv,h); b[r]=_mm512_dpbf16_ps(b[r],wv,m); a[r]=_mm512_dpbf16_ps(a[r],wv,l);} }
  for(int r=0;r<R;r++) out[r]=_mm512_reduce_add_ps(_mm512_add_ps(a[r],b[r]));
}
T void mv3(const uint8_t *w,int64_t rb,const uint16_t *xh,const uint16_t *xm,const uint16_t *xl,int cols,int from,int to,float*out){
  int r=from; for(;r+ROWS<=to;r+=ROWS){ if(r+2*ROWS<=to) for(int64_t o=0;o<ROWS*rb;o+=64) _mm_prefetch((const char*)w+(r+ROWS)*rb+o,_MM_HINT_T0); pass3(w+r*rb,rb,xh,xm,xl,cols,ROWS,out+r);} for(;r<to;r++)pass3(w+r*rb,rb,xh,xm,xl,cols,1,out+r);}
T void mv(const uint8_t *w,int64_t rb,const uint16_t *xb,int cols,int from,int to,float*out){
  int r=from; for(;r+ROWS<=to;r+=ROWS){ if(r+2*ROWS<=to) for(int64_t o=0;o<ROWS*rb;o+=64) _mm_prefetch((const char*)w+(r+ROWS)*rb+o,_MM_HINT_T0); pass(w+r*rb,rb,xb,cols,ROWS,out+r);} for(;r<to;r++)pass(w+r*rb,rb,xb,cols,1,out+r);}
int main(int argc,char**argv){int cols=atoi(argv[1]),rows=atoi(argv[2]),reps=atoi(argv[3]);
 uint16_t*w=aligned_alloc(64,(size_t)rows*cols*2); for(size_t i=0;i<(size_t)rows*cols;i++)w[i]=0x3f00+(i%97);
 float*x=malloc(cols*4); uint16_t*xb=aligned_alloc(64,cols*2+64); for(int i=0;i<cols;i++){x[i]=1.0f/(1+i%7);uint32_t u;memcpy(&u,&x[i],4);xb[i]=u>>16;}
 float*o=malloc(rows*4); uint16_t*xm=aligned_alloc(64,cols*2+64),*xl=aligned_alloc(64,cols*2+64);
 for(int i=0;i<cols;i++){uint32_t u;memcpy(&u,&x[i],4);uint32_t hi=u&0xFFFF0000u;float fh;memcpy(&fh,&hi,4);float r1=x[i]-fh;memcpy(&u,&r1,4);uint32_t mi=u&0xFFFF0000u;float fm;memcpy(&fm,&mi,4);float r2=r1-fm;memcpy(&u,&r2,4);xb[i]=hi>>16;xm[i]=mi>>16;xl[i]=u>>16;}
 float*o2=malloc(rows*4); kvs_matvec_float(6,(uint8_t*)w,cols*2,x,cols,0,rows,o); mv3((uint8_t*)w,cols*2,xb,xm,xl,cols,0,rows,o2); double md=0; for(int i=0;i<rows;i++){double d=fabs(o[i]-o2[i])/fabs(o[i]); if(d>md)md=d;} printf("3-split max rel diff %.2g\n",md);
 for(int k=0;k<3;k++){ double t0=now(); for(int i=0;i<reps;i++) kvs_matvec_float(6,(uint8_t*)w,cols*2,x,cols,0,rows,o); double t1=now(); for(int i=0;i<reps;i++) mv((uint8_t*)w,cols*2,xb,cols,0,rows,o); double t2=now(); for(int i=0;i<reps;i++) mv3((uint8_t*)w,cols*2,xb,xm,xl,cols,0,rows,o); double t3=now();
 double gb=(double)rows*cols*2*reps/1e9; printf("cols %d rows %d: float %.1f GB/s, dpbf16 %.1f GB/s, 3-split %.1f GB/s\n",cols,rows,gb/(t1-t0),gb/(t2-t1),gb/(t3-t2)); }
}
