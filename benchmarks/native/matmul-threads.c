/*
 * The Q4_0 prefill kernel (kvs_matmul of inference-core/src/main/c/kvscope_matmul.c) on N threads that take tiles of
 * 16 weight rows from a shared counter, as NativeMatmul's parallel loop does: random weights (f16 scales 0.1), a batch
 * of random activation rows quantized once, the product repeated REPS times (env, default 200), wall time per product
 * (best and mean; on a shared host the mean includes other processes' time). OFFSET floats shift the output array
 * (a Java float[]'s data is 16 bytes into its object, so tiles' 64-byte rows straddle cache lines); ORDER 1 hands out
 * tiles from the two halves of the matrix in turn. DUMP=FILE writes the outputs (to compare builds byte for byte).
 *   gcc -O3 -fPIC -shared -fvisibility=hidden -o DIR/libkvscope.so inference-core/src/main/c/kvscope_kernels.c \
 *       inference-core/src/main/c/kvscope_matmul.c
 *   gcc -O2 -o matmul-threads benchmarks/native/matmul-threads.c -LDIR -lkvscope -lpthread
 *   LD_LIBRARY_PATH=DIR ./matmul-threads ROWS COLS BATCH THREADS OFFSET ORDER [ISA LEVEL 0-2]
 * TYPE=1|2|3 (env) runs Q8_0, Q4_K or Q6_K weights instead of Q4_0 (random blocks with sane f16 scales; avx25).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
void kvs_quantize_rows(int type, const float *x, int cols, int from, int to, uint8_t *dst, int64_t dstRowBytes);
void kvs_matmul(int type, const uint8_t *w, int64_t rowBytes, const uint8_t *xq, int64_t xBytes, int cols, int batch,
                int from, int to, float *out, int64_t outStride);
int kvs_limit_isa(int level);
static int type, rows, cols, batch, nthreads, order, reps; static int64_t rowBytes, xBytes;
static uint8_t *w, *xq; static float *out;
static atomic_int next; static pthread_barrier_t bar;
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void *work(void *a){
  (void)a; int tiles=(rows+15)/16;
  for(int r=0;r<reps;r++){
    pthread_barrier_wait(&bar);
    for(;;){int c=atomic_fetch_add(&next,1); if(c>=tiles)break;
      int t = order? (c%2==0? c/2 : (tiles+1)/2 + c/2) : c;
      int from=t*16,to=from+16<rows?from+16:rows;
      kvs_matmul(type,w,rowBytes,xq,xBytes,cols,batch,from,to,out,rows);}
    pthread_barrier_wait(&bar);
    if(a==NULL){} 
  }
  return NULL;}
int main(int argc,char**argv){
  rows=atoi(argv[1]);cols=atoi(argv[2]);batch=atoi(argv[3]);nthreads=atoi(argv[4]);int offset=atoi(argv[5]);order=atoi(argv[6]);
  int level=kvs_limit_isa(argc>7?atoi(argv[7]):9); reps=getenv("REPS")?atoi(getenv("REPS")):200;
  type=getenv("TYPE")?atoi(getenv("TYPE")):0;
  rowBytes=type==0?(int64_t)cols/32*18:type==1?(int64_t)cols/32*34:type==2?(int64_t)cols/256*144:(int64_t)cols/256*210;
  xBytes=type>=2?(int64_t)cols/256*320:(int64_t)cols/32*40;
  w=malloc(rowBytes*rows); xq=aligned_alloc(64,(xBytes*batch+63)/64*64);
  float*x=malloc(4L*cols*batch); float*o=aligned_alloc(64,4L*rows*batch+256); out=o+offset;
  srand(1); for(int64_t i=0;i<rowBytes*rows;i++)w[i]=rand();
  int bb=type==0?18:type==1?34:type==2?144:210, so=type==3?208:0;
  for(int64_t b=0;b<rowBytes*rows;b+=bb){w[b+so]=0x66;w[b+so+1]=0x2E;if(type==2){w[b+2]=0x66;w[b+3]=0x2E;}}
  for(int64_t i=0;i<(int64_t)cols*batch;i++)x[i]=(float)rand()/RAND_MAX-0.5f;
  kvs_quantize_rows(type,x,cols,0,batch,xq,xBytes);
  pthread_barrier_init(&bar,NULL,nthreads+1);
  pthread_t th[8]; for(int i=0;i<nthreads;i++)pthread_create(&th[i],NULL,work,(void*)1);
  double best=1e9,sum=0;
  for(int r=0;r<reps;r++){atomic_store(&next,0);double t0=now();pthread_barrier_wait(&bar);pthread_barrier_wait(&bar);double t=now()-t0;sum+=t;if(t<best)best=t;}
  if(getenv("DUMP")){FILE*f=fopen(getenv("DUMP"),"wb");fwrite(out,4,(size_t)rows*batch,f);fclose(f);}
  printf("type %d %dx%d b%d thr %d off %d order %d isa %d: best %.3f ms mean %.3f ms (%.0f GMAC/s mean)\n",type,rows,cols,batch,nthreads,offset,order,level,best*1e3,sum/reps*1e3,(double)rows*cols*batch/(sum/reps)/1e9);
  return 0;}
