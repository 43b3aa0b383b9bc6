import java.util.ArrayList;
import java.util.List;
import org.kvscope.model.LayerWeights;
import org.kvscope.model.ModelConfig;
import org.kvscope.model.ModelWeights;

/** The layer weight matrices of a model as {tensor, rows, cols}, in forward order. */
final class Matrices {
  static List<Object[]> layers(ModelWeights w, ModelConfig c) {
    List<Object[]> mats = new ArrayList<>();
    for (LayerWeights l : w.layers()) {
      mats.add(new Object[]{l.wq(), c.qDim(), c.dim()}); mats.add(new Object[]{l.wk(), c.kvDim(), c.dim()});
      mats.add(new Object[]{l.wv(), c.kvDim(), c.dim()}); mats.add(new Object[]{l.wo(), c.dim(), c.qDim()});
      mats.add(new Object[]{l.gate(), c.ffnDim(), c.dim()}); mats.add(new Object[]{l.up(), c.ffnDim(), c.dim()});
      mats.add(new Object[]{l.down(), c.dim(), c.ffnDim()});
    }
    return mats;
  }
}
