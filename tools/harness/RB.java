import java.lang.foreign.*;
import java.nio.ByteOrder;
import jdk.incubator.vector.*;
public class RB {
  static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
  static float sum4(MemorySegment m, long off, long bytes) {
    FloatVector a=FloatVector.zero(F), b=a, c=a, d=a; long step=F.vectorByteSize();
    for (long i=off; i+4*step<=off+bytes; i+=4*step) {
      a=a.add(FloatVector.fromMemorySegment(F,m,i,ByteOrder.LITTLE_ENDIAN));
      b=b.add(FloatVector.fromMemorySegment(F,m,i+step,ByteOrder.LITTLE_ENDIAN));
      c=c.add(FloatVector.fromMemorySegment(F,m,i+2*step,ByteOrder.LITTLE_ENDIAN));
      d=d.add(FloatVector.fromMemorySegment(F,m,i+3*step,ByteOrder.LITTLE_ENDIAN));
    }
    return a.add(b).add(c.add(d)).reduceLanes(VectorOperators.ADD);
  }
  public static void main(String[] x) throws Exception {
    long size = 1L<<30; Arena ar = Arena.ofShared(); MemorySegment m = ar.allocate(size, 4096), n = ar.allocate(size,4096); m.fill((byte)1); n.fill((byte)2);
    int T = Integer.parseInt(x[0]);
    for (int rep=0; rep<12; rep++) {
      long chunk = size/T; float[] s = new float[T]; Thread[] th = new Thread[T];
      long t0=System.nanoTime();
      for (int t=0;t<T;t++){ int tt=t; th[t]=new Thread(()->s[tt]=sum4(m, tt*chunk, chunk)); th[t].start(); }
      for (Thread t: th) t.join();
      double gb = size/(double)(System.nanoTime()-t0);
      long t1=System.nanoTime();
      for (int t=0;t<T;t++){ int tt=t; th[t]=new Thread(()->MemorySegment.copy(m, tt*chunk, n, tt*chunk, chunk)); th[t].start(); }
      for (Thread t: th) t.join();
      double cp = 2.0*size/(System.nanoTime()-t1);
      System.out.printf("threads %d read %.1f GB/s copy(2x) %.1f GB/s%n", T, gb, cp);
    }
  }
}
