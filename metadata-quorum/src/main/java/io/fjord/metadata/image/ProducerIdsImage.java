package io.fjord.metadata.image;

/** The next producer id the controller will hand out; blocks below it are taken. */
public record ProducerIdsImage(long nextProducerId) {
    public static final ProducerIdsImage EMPTY = new ProducerIdsImage(0);
}
